import Testing
@testable import GRPCCore

/// The server caches each connection's peer identity (per grpc auth context): calls from different clients on
/// one server must each see their own certificate, also when they interleave and repeat, and a reconnecting
/// client must be identified afresh.
@Suite struct PeerIdentityCacheTests {
    static let certificates = Result { try TestCertificates.make() }

    /// The handler answers with the caller's common name, so each response says whom the server saw.
    static func identityEcho() -> [String: UnaryHandler] {
        [echoMethod: { _, context in Array((context.peer.commonName ?? "none").utf8) }]
    }

    @Test func interleavedClientsEachSeeTheirOwnIdentity() async throws {
        let certificates = try Self.certificates.get()
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: Self.identityEcho())
        let core2 = try test.channel(tls: certificates.clientTLS(certificates.client))
        let core3 = try test.channel(tls: certificates.clientTLS(certificates.otherClient))
        let answers = try await withThrowingTaskGroup(of: (String, String).self) { group in
            for index in 0..<200 {
                let (channel, expected) = index.isMultiple(of: 2) ? (core2, "kms-core-2") : (core3, "kms-core-3")
                group.addTask {
                    let response = try await channel.unary(method: echoMethod, request: [UInt8(index & 0xff)],
                                                           timeout: .seconds(20))
                    return (expected, String(decoding: response, as: UTF8.self))
                }
            }
            var answers: [(String, String)] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
        #expect(answers.count == 200)
        for (expected, seen) in answers { #expect(seen == expected) }
        core2.close()
        core3.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func identityCarriesNamesAndAuthenticationOnEveryCall() async throws {
        let certificates = try Self.certificates.get()
        let seen = LockedValue<[PeerIdentity]>([])
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: [
            echoMethod: { request, context in
                seen.set(seen.get() + [context.peer])
                return request
            },
        ])
        // Sequential calls on a fresh channel each time (new connection) and repeated calls on one channel.
        for _ in 0..<3 {
            let channel = try test.channel(tls: certificates.clientTLS(certificates.otherClient))
            for _ in 0..<3 { _ = try await channel.unary(method: echoMethod, request: [7], timeout: .seconds(20)) }
            channel.close()
        }
        let peers = seen.get()
        #expect(peers.count == 9)
        for peer in peers {
            #expect(peer.isAuthenticated)
            #expect(peer.commonName == "kms-core-3")
            #expect(peer.subject?.contains("CN=kms-core-3") == true)
            #expect(peer.subjectAlternativeNames.sorted() == ["127.0.0.3", "core-3.kms.test"])
        }
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func plaintextCallsHaveNoIdentity() async throws {
        let test = try TestServer.start(handlers: Self.identityEcho())
        let channel = try test.channel()
        for _ in 0..<3 {
            let response = try await channel.unary(method: echoMethod, request: [], timeout: .seconds(20))
            #expect(String(decoding: response, as: UTF8.self) == "none")
        }
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }
}
