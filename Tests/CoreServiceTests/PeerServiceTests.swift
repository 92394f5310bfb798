import Foundation
import GRPCCore
import KMSAPI
import Testing
@testable import Engine

/// The core-to-core service (mpc.v1) on a real threshold core: a caller may only speak as the party its
/// certificate names.
@Suite struct PeerServiceTests {
    func peerChannel(_ server: TestServer, certificate: String, key: String) throws -> GRPCChannel {
        try GRPCChannel(configuration: GRPCChannelConfiguration(
            target: try #require(server.peerTarget),
            tls: try server.configuration.certificates.clientTLS(certificate: certificate, key: key)))
    }

    func ping(sender: UInt32) -> Mpc_V1_PingRequest {
        var request = Mpc_V1_PingRequest()
        request.sender = sender
        request.nonce = UInt64.random(in: 1 ... .max)
        return request
    }

    @Test func callerMustPresentTheCertificateOfThePartyItClaims() async throws {
        let workspace = try TestWorkspace(parties: 4)
        defer { workspace.remove() }
        let server = try await TestServer.start(try workspace.thresholdParty(1))
        defer { server.stop() }
        let party2 = try peerChannel(server, certificate: "core-2.pem", key: "core-2.key")
        defer { party2.close() }

        // Party 2 speaking as party 2 is answered by party 1.
        let honest = ping(sender: 2)
        let answer: Mpc_V1_PingResponse = try await TestCalls.call(party2, PeerServiceMethod.ping.path, honest)
        #expect(answer.responder == 1)
        #expect(answer.nonce == honest.nonce)

        // Party 2's certificate claiming to be party 3 is refused, for Ping and for Deliver.
        let impostor = await TestCalls.statusCode(party2, PeerServiceMethod.ping.path, ping(sender: 3))
        #expect(impostor.code == .permissionDenied, "\(impostor)")
        var message = Mpc_V1_PeerMessage()
        message.sessionID = Data(repeating: 9, count: 32)
        message.round = 1
        message.sender = 3
        message.receiver = 1
        message.payload = Data([1, 2, 3])
        #expect(await TestCalls.statusCode(party2, PeerServiceMethod.deliver.path, message).code == .permissionDenied)
        message.sender = 2
        #expect(await TestCalls.statusCode(party2, PeerServiceMethod.deliver.path, message).code == .ok)
        // The same message again (a retransmission after a lost acknowledgement) is acknowledged, and a different
        // message for the same session, round and sender does not replace the first (checked in PeerInboxTests).
        #expect(await TestCalls.statusCode(party2, PeerServiceMethod.deliver.path, message).code == .ok)
        message.payload = Data([4, 5, 6])
        #expect(await TestCalls.statusCode(party2, PeerServiceMethod.deliver.path, message).code == .ok)
        // Addressed to another core: refused.
        message.receiver = 3
        #expect(await TestCalls.statusCode(party2, PeerServiceMethod.deliver.path, message).code == .invalidArgument)

        // A client certificate (same CA, not a core) may not speak for any party; nor may an unknown party.
        let client = try peerChannel(server, certificate: "client.pem", key: "client.key")
        defer { client.close() }
        #expect(await TestCalls.statusCode(client, PeerServiceMethod.ping.path, ping(sender: 2)).code == .permissionDenied)
        #expect(await TestCalls.statusCode(party2, PeerServiceMethod.ping.path, ping(sender: 9)).code == .permissionDenied)
    }

    @Test func healthReportsThePartyAndItsUnreachablePeers() async throws {
        let workspace = try TestWorkspace(parties: 4)
        defer { workspace.remove() }
        let server = try await TestServer.start(try workspace.thresholdParty(2))
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }
        let status: Kms_V1_HealthStatus = try await TestCalls.call(
            channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty(), timeout: .seconds(20))
        #expect(status.deploymentType == "threshold")
        #expect(status.partyID == 2)
        #expect(status.threshold == 1)
        #expect(status.numParties == 4)
        #expect(status.peers.map(\.partyID) == [1, 3, 4])
        #expect(status.peers.allSatisfy { !$0.reachable && !$0.error.isEmpty })
        #expect(status.state == .degraded)
    }

    /// A stand-in peer endpoint in this process: answers Ping as `responder`, presenting `certificate`'s identity.
    func fakePeer(port: Int, certificates: TestCertificates, certificate: String, key: String, responder: UInt32)
        throws -> GRPCServer
    {
        let server = GRPCServer(configuration: GRPCServerConfiguration(
            host: "127.0.0.1", port: port,
            tls: ServerTLSConfiguration(
                identity: TLSIdentity(
                    certificateChainPEM: try certificates.read(certificate), privateKeyPEM: try certificates.read(key)),
                trustedRootsPEM: try certificates.read("ca.pem"), requireClientCertificate: true)))
        server.register(method: PeerServiceMethod.ping.path) { bytes, _ in
            let request = try Mpc_V1_PingRequest(serializedBytes: bytes)
            var response = Mpc_V1_PingResponse()
            response.responder = responder
            response.nonce = request.nonce
            return try response.serializedBytes()
        }
        _ = try server.start()
        return server
    }

    /// DESIGN §6: outbound calls check that the server is the party pinned for that id. At party 2's address a
    /// server presenting party 3's certificate (same CA, answering "I am party 2") must not pass as party 2;
    /// at party 3's address the genuine party 3 does.
    @Test func outboundProbeRefusesAServerPresentingAnotherPartysCertificate() async throws {
        let workspace = try TestWorkspace(parties: 4)
        defer { workspace.remove() }
        let configuration = try workspace.thresholdParty(1)
        let certificates = configuration.certificates
        let impostor = try fakePeer(
            port: configuration.peerPorts[1], certificates: certificates,
            certificate: "core-3.pem", key: "core-3.key", responder: 2)
        let genuine = try fakePeer(
            port: configuration.peerPorts[2], certificates: certificates,
            certificate: "core-3.pem", key: "core-3.key", responder: 3)
        let server = try await TestServer.start(configuration)
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }
        let status: Kms_V1_HealthStatus = try await TestCalls.call(
            channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty(), timeout: .seconds(20))
        await impostor.shutdown(gracePeriod: .zero)
        await genuine.shutdown(gracePeriod: .zero)
        let party2 = try #require(status.peers.first { $0.partyID == 2 })
        let party3 = try #require(status.peers.first { $0.partyID == 3 })
        #expect(!party2.reachable, "party 3's certificate was accepted as party 2: \(party2)")
        #expect(!party2.error.isEmpty)
        #expect(party3.reachable, "the genuine party 3 was refused: \(party3.error)")
    }

    /// Party names come from the certificate through swift-certificates: CN and DNS SANs of kms-gen-tls-certs'
    /// certificates, the leaf of a chain file, nothing from text that is not a certificate.
    @Test func namesAreReadFromTheCertificateByTheX509Library() throws {
        let certificates = try TestCertificates.generate(parties: 2)
        defer { certificates.remove() }
        let party2 = try certificates.read("core-2.pem")
        #expect(
            PartyCertificate.names(pem: party2)
                == PartyCertificate.Names(commonName: "kms-core-2", dnsNames: ["kms-core-2", "localhost"]))
        #expect(PartyCertificate.names(pem: party2 + (try certificates.read("ca.pem"))).commonName == "kms-core-2")
        #expect(PartyCertificate.names(pem: try certificates.read("client.pem")).commonName == "kms-client")
        #expect(PartyCertificate.names(pem: "CN=kms-core-2,O=Threshold KMS") == .none)
        #expect(PartyCertificate.names(pem: party2).carries("kms-core-2"))
        #expect(!PartyCertificate.names(pem: party2).carries("kms-core-1"))

        let certificate = try #require(PartyCertificate(pem: party2))
        #expect(certificate.isCertified(privateKeyPEM: try certificates.read("core-2.key")))
        #expect(!certificate.isCertified(privateKeyPEM: try certificates.read("core-1.key")))
        #expect(!certificate.isCertified(privateKeyPEM: "not a key"))
    }
}
