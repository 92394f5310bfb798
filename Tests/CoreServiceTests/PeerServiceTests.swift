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
        // The same message twice is a replay.
        #expect(await TestCalls.statusCode(party2, PeerServiceMethod.deliver.path, message).code == .alreadyExists)

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

    @Test func commonNameIsFoundInEitherSubjectFormat() {
        #expect(PeerAuthorization.commonName(inSubject: "CN=kms-core-2,O=Threshold KMS") == "kms-core-2")
        #expect(PeerAuthorization.commonName(inSubject: "O = Threshold KMS, CN = kms-core-3") == "kms-core-3")
        #expect(PeerAuthorization.commonName(inSubject: "/O=Threshold KMS/CN=kms-core-4") == "kms-core-4")
        #expect(PeerAuthorization.commonName(inSubject: "O=Threshold KMS") == nil)
        #expect(PeerAuthorization.commonName(inSubject: nil) == nil)
    }
}
