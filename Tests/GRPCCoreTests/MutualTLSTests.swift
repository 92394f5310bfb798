import Testing
@testable import GRPCCore

/// TLS and mutual TLS with certificates from the openssl CLI: round trip, peer identity, refusals.
@Suite struct MutualTLSTests {
    static let certificates = Result { try TestCertificates.make() }

    @Test func mutualTLSRoundTripShowsPeerIdentity() async throws {
        let certificates = try Self.certificates.get()
        let seen = LockedValue<PeerIdentity?>(nil)
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: [
            echoMethod: { request, context in
                seen.set(context.peer)
                return request
            },
        ])
        for host in ["127.0.0.1", "localhost"] {
            let channel = try test.channel(tls: certificates.clientTLS(certificates.client), host: host)
            let response = try await channel.unary(method: echoMethod, request: [1, 2, 3], timeout: .seconds(20))
            #expect(response == [1, 2, 3])
            channel.close()
        }
        let peer = try #require(seen.get())
        #expect(peer.isAuthenticated)
        #expect(peer.commonName == "kms-core-2")
        #expect(peer.subject?.contains("CN=kms-core-2") == true)
        #expect(peer.subject?.contains("O=Threshold KMS") == true)
        #expect(peer.subjectAlternativeNames.contains("core-2.kms.test"))
        #expect(peer.subjectAlternativeNames.contains("127.0.0.2"))
        #expect(peer.address.contains("127.0.0.1"))
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func clientFromAnotherCAIsRefused() async throws {
        let certificates = try Self.certificates.get()
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: [echoMethod: echoHandler])
        let channel = try test.channel(tls: certificates.clientTLS(certificates.foreignClient))
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: echoMethod, request: [1], timeout: .seconds(20))
        }
        #expect(error?.code == .unavailable)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func clientWithoutCertificateIsRefused() async throws {
        let certificates = try Self.certificates.get()
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: [echoMethod: echoHandler])
        let channel = try test.channel(tls: certificates.clientTLS(nil))
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: echoMethod, request: [1], timeout: .seconds(20))
        }
        #expect(error?.code == .unavailable)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func serverFromAnotherCAIsRefusedByClient() async throws {
        let certificates = try Self.certificates.get()
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: [echoMethod: echoHandler])
        // The client trusts only the foreign CA, so the real server's certificate must fail verification.
        let foreignRoots = ClientTLSConfiguration(trustedRootsPEM: certificates.foreignClient.certificateChainPEM,
                                                  identity: certificates.client)
        let channel = try test.channel(tls: foreignRoots)
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: echoMethod, request: [1], timeout: .seconds(20))
        }
        #expect(error?.code == .unavailable)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func serverOnlyTLSHasNoClientIdentity() async throws {
        let certificates = try Self.certificates.get()
        let seen = LockedValue<PeerIdentity?>(nil)
        let tls = ServerTLSConfiguration(identity: certificates.server, trustedRootsPEM: nil,
                                         requireClientCertificate: false)
        let test = try TestServer.start(tls: tls, handlers: [
            echoMethod: { request, context in
                seen.set(context.peer)
                return request
            },
        ])
        let channel = try test.channel(tls: certificates.clientTLS(nil))
        #expect(try await channel.unary(method: echoMethod, request: [5], timeout: .seconds(20)) == [5])
        let peer = try #require(seen.get())
        #expect(!peer.isAuthenticated)
        #expect(peer.commonName == nil)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }
}
