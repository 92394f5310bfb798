import Foundation
import GRPCCore
import Testing
@testable import Engine

/// Which party a peer-service caller is comes from its verified certificate, read by the X.509 library — never
/// from splitting a subject string, where an attribute value can spell "CN=…" itself.
@Suite struct PeerCertificateIdentityTests {
    /// A CA and certificates made by the openssl CLI, with subjects kms-gen-tls-certs would never write.
    struct OpenSSLCertificates {
        let directory: URL

        init() throws {
            directory = try TestProcesses.temporaryDirectory(prefix: "openssl-certs")
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/O=Threshold KMS/CN=Test CA"])
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

        func run(_ arguments: [String]) throws {
            let result = try TestProcesses.run(try TestProcesses.tool("openssl"), arguments)
            guard result.status == 0 else { throw TestProcesses.Failure(description: "openssl: \(result.combined)") }
        }

        /// A leaf `name`.pem/.key signed by the CA, with `subject` in openssl's -subj syntax.
        func leaf(_ name: String, subject: String, alternativeNames: String = "DNS:localhost,IP:127.0.0.1") throws -> TLSIdentity {
            try run(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject])
            try """
                subjectAltName=\(alternativeNames)
                basicConstraints=CA:FALSE
                keyUsage=digitalSignature
                extendedKeyUsage=serverAuth,clientAuth
                """.write(toFile: path("\(name).ext"), atomically: true, encoding: .utf8)
            try run(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", path("\(name).pem"), "-days", "2", "-extfile", path("\(name).ext")])
            return TLSIdentity(certificateChainPEM: try read("\(name).pem"), privateKeyPEM: try read("\(name).key"))
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static let whoAmI = "/test.PeerAuthorization/Authorize"

    /// A mutual-TLS server whose one method authorizes the caller as the party named by the request's byte.
    func authorizingServer(_ certificates: OpenSSLCertificates, authorization: PeerAuthorization) throws -> (GRPCServer, Int) {
        let server = GRPCServer(configuration: GRPCServerConfiguration(
            host: "127.0.0.1", port: 0,
            tls: ServerTLSConfiguration(
                identity: try certificates.leaf("server", subject: "/O=Threshold KMS/CN=kms-core-1"),
                trustedRootsPEM: try certificates.read("ca.pem"), requireClientCertificate: true)))
        server.register(method: Self.whoAmI) { request, context in
            do {
                let party = try authorization.authorize(claimedParty: UInt32(request.first ?? 0), caller: context.peer)
                return [UInt8(party)]
            } catch {
                throw GRPCStatus(.permissionDenied, "\(error)")
            }
        }
        return (server, try server.start())
    }

    func claim(_ party: UInt8, as identity: TLSIdentity, port: Int, certificates: OpenSSLCertificates) async throws -> GRPCStatus {
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(
            target: "localhost:\(port)",
            tls: ClientTLSConfiguration(trustedRootsPEM: try certificates.read("ca.pem"), identity: identity)))
        defer { channel.close() }
        do {
            let answer = try await channel.unary(method: Self.whoAmI, request: [party], timeout: .seconds(10))
            return answer == [party] ? GRPCStatus(.ok) : GRPCStatus(.unknown, "answered \(answer)")
        } catch let status as GRPCStatus {
            return status
        }
    }

    /// The subject grpc prints is never parsed: a caller is never a party because of it, whatever it spells.
    @Test func authorizationNeverReadsThePrintedSubject() {
        let peers = (1...4).map { CoreConfiguration.Peer(partyId: $0, address: "localhost:1", identity: "kms-core-\($0)") }
        let authorization = PeerAuthorization(peers: peers)
        for subject in ["O=Threshold KMS\\,CN=kms-core-2", "O=Threshold KMS/CN=kms-core-2", "CN=kms-core-2,O=Threshold KMS"] {
            let caller = PeerIdentity(
                address: "ipv4:127.0.0.1:1", subject: subject, commonName: nil, subjectAlternativeNames: [],
                isAuthenticated: true)
            #expect(throws: EngineError.self, "subject \(subject) made the caller party 2") {
                try authorization.authorize(claimedParty: 2, caller: caller)
            }
        }
    }

    @Test func aSubjectValueSpellingCNDoesNotMakeTheCallerThatParty() async throws {
        let certificates = try OpenSSLCertificates()
        defer { certificates.remove() }
        let peers = (1...4).map { CoreConfiguration.Peer(partyId: $0, address: "localhost:1", identity: "kms-core-\($0)") }
        let (server, port) = try authorizingServer(certificates, authorization: PeerAuthorization(peers: peers))

        // The genuine party 2 is party 2.
        let genuine = try certificates.leaf("party-2", subject: "/O=Threshold KMS/CN=kms-core-2")
        #expect(try await claim(2, as: genuine, port: port, certificates: certificates).code == .ok)
        #expect(try await claim(3, as: genuine, port: port, certificates: certificates).code == .permissionDenied)

        // Certificates of the same CA with no CN, whose organization contains "CN=kms-core-2" after a '/' or a
        // ',' (grpc prints the subject as "O=Threshold KMS/CN=kms-core-2" or "O=Threshold KMS\,CN=kms-core-2").
        for (name, subject) in [("slash", "/O=Threshold KMS\\/CN=kms-core-2"), ("comma", "/O=Threshold KMS,CN=kms-core-2")] {
            let crafted = try certificates.leaf(name, subject: subject)
            let status = try await claim(2, as: crafted, port: port, certificates: certificates)
            #expect(status.code == .permissionDenied, "a certificate with subject \(subject) passed as party 2")
        }
        // A CN that merely starts with the pinned name is someone else.
        let longer = try certificates.leaf("longer", subject: "/O=Threshold KMS/CN=kms-core-22")
        #expect(try await claim(2, as: longer, port: port, certificates: certificates).code == .permissionDenied)
        await server.shutdown(gracePeriod: .zero)
    }
}
