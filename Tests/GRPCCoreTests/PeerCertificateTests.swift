import Testing
@testable import GRPCCore

/// The caller's verified leaf certificate reaches handlers as PEM (grpc's "x509_pem_cert"), one object per
/// connection, with a per-connection slot for what the application derives from it; a client pins the server
/// it accepts with serverNameOverride.
@Suite struct PeerCertificateTests {
    static let certificates = Result { try TestCertificates.make() }

    static func normalized(_ pem: String?) -> String? {
        pem.map { $0.split(whereSeparator: \.isWhitespace).joined() }
    }

    @Test func handlersSeeTheCallersCertificateOncePerConnection() async throws {
        let certificates = try Self.certificates.get()
        let seen = LockedValue<[PeerIdentity]>([])
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: [
            echoMethod: { request, context in
                seen.set(seen.get() + [context.peer])
                return request
            },
        ])
        let core2 = try test.channel(tls: certificates.clientTLS(certificates.client))
        let core3 = try test.channel(tls: certificates.clientTLS(certificates.otherClient))
        for _ in 0..<3 {
            _ = try await core2.unary(method: echoMethod, request: [2], timeout: .seconds(20))
            _ = try await core3.unary(method: echoMethod, request: [3], timeout: .seconds(20))
        }
        core2.close()
        core3.close()
        await test.server.shutdown(gracePeriod: .seconds(1))

        let peers = seen.get()
        #expect(peers.count == 6)
        let fromCore2 = peers.filter { $0.commonName == "kms-core-2" }
        let fromCore3 = peers.filter { $0.commonName == "kms-core-3" }
        #expect(fromCore2.count == 3 && fromCore3.count == 3)
        for peer in fromCore2 {
            #expect(Self.normalized(peer.certificatePEM) == Self.normalized(certificates.client.certificateChainPEM))
        }
        for peer in fromCore3 {
            #expect(Self.normalized(peer.certificatePEM) == Self.normalized(certificates.otherClient.certificateChainPEM))
        }
        // One object per connection: what the application derives from it is computed once.
        let first2 = try #require(fromCore2.first?.certificate)
        #expect(fromCore2.allSatisfy { $0.certificate === first2 })
        #expect(fromCore3.allSatisfy { $0.certificate !== first2 })
    }

    @Test func derivedValuesAreComputedOnce() {
        let certificate = PeerCertificate(pem: "-----BEGIN CERTIFICATE-----\n…")
        let calls = LockedValue(0)
        func length() -> Int {
            certificate.derived { pem in
                calls.set(calls.get() + 1)
                return pem.count
            }
        }
        #expect(length() == certificate.pem.count)
        #expect(length() == certificate.pem.count)
        #expect(calls.get() == 1)
        // Another type is computed (not cached) rather than returned wrongly.
        #expect(certificate.derived { _ in "text" } == "text")
        #expect(length() == certificate.pem.count)
        #expect(calls.get() == 1)
    }

    @Test func plaintextAndServerOnlyTLSCallersHaveNoCertificate() async throws {
        let certificates = try Self.certificates.get()
        let seen = LockedValue<[PeerIdentity]>([])
        let handlers: [String: UnaryHandler] = [
            echoMethod: { request, context in
                seen.set(seen.get() + [context.peer])
                return request
            },
        ]
        let plaintext = try TestServer.start(handlers: handlers)
        let serverOnly = try TestServer.start(
            tls: ServerTLSConfiguration(identity: certificates.server, trustedRootsPEM: nil, requireClientCertificate: false),
            handlers: handlers)
        let plainChannel = try plaintext.channel()
        let tlsChannel = try serverOnly.channel(tls: certificates.clientTLS(nil), host: "localhost")
        _ = try await plainChannel.unary(method: echoMethod, request: [1], timeout: .seconds(20))
        _ = try await tlsChannel.unary(method: echoMethod, request: [1], timeout: .seconds(20))
        plainChannel.close()
        tlsChannel.close()
        await plaintext.server.shutdown(gracePeriod: .seconds(1))
        await serverOnly.server.shutdown(gracePeriod: .seconds(1))
        #expect(seen.get().count == 2)
        #expect(seen.get().allSatisfy { $0.certificate == nil && $0.certificatePEM == nil && !$0.isAuthenticated })
    }

    /// serverNameOverride replaces the target's host in grpc's check of the server certificate: a name the
    /// server's certificate does not carry is refused even though the certificate chains to the trusted CA.
    @Test func serverNameOverridePinsTheServersCertificate() async throws {
        let certificates = try Self.certificates.get()
        let test = try TestServer.start(tls: certificates.mutualTLSServer, handlers: [echoMethod: echoHandler])
        func call(_ name: String?) async -> GRPCStatusCode {
            var tls = certificates.clientTLS(certificates.client)
            tls.serverNameOverride = name
            do {
                let channel = try test.channel(tls: tls)
                defer { channel.close() }
                _ = try await channel.unary(method: echoMethod, request: [1], timeout: .seconds(10))
                return .ok
            } catch let status as GRPCStatus {
                return status.code
            } catch {
                return .unknown
            }
        }
        #expect(await call("localhost") == .ok)
        #expect(await call(nil) == .ok)  // target 127.0.0.1 is an IP SAN of the server certificate
        #expect(await call("core-3.kms.test") == .unavailable)  // another certificate's name
        #expect(await call("kms-core-1") == .unavailable)  // the CN is not checked when the certificate has SANs
        await test.server.shutdown(gracePeriod: .seconds(1))
    }
}
