import Foundation
import GRPCCore
import KMSAPI
import Testing

/// A real kms-server process on loopback, called over mutual TLS with certificates from kms-gen-tls-certs.
@Suite struct ServerMutualTLSTests {
    static let validId = String(repeating: "ab", count: 32)

    @Test func answersHealthStatusAndKeyMaterialOverMutualTLS() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        // Key material the data directory already holds, plus entries that are not request ids.
        let data = workspace.dataDirectory()
        let keyId = String(repeating: "1f", count: 32), crsId = String(repeating: "c5", count: 32)
        for (directory, name) in [("public/PublicKey", keyId), ("public/CRS", crsId), ("public/PublicKey", "not-an-id")] {
            let url = data.appendingPathComponent(directory)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: url.appendingPathComponent(name).path, contents: Data([1]))
        }
        let server = try await TestServer.start(try workspace.centralized())
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }

        let status: Kms_V1_HealthStatus = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
        #expect(status.state == .serving)
        #expect(status.version == "0.1.0")
        #expect(status.deploymentType == "centralized")
        #expect(status.peers.isEmpty)

        let availability: Kms_V1_KeyMaterialAvailability = try await TestCalls.call(
            channel, CoreServiceMethod.getKeyMaterialAvailability.path, Kms_V1_Empty())
        // A file under public/PublicKey without its signed record is not a key set: never listed or served.
        #expect(availability.fheKeyIds.isEmpty)
        #expect(availability.crsIds == [crsId])
        #expect(availability.preprocessingIds.isEmpty)
        #expect(availability.storageInfo.hasPrefix("file:/"))

        var check = Grpc_Health_V1_HealthCheckRequest()
        check.service = "kms.v1.CoreServiceEndpoint"
        let health: Grpc_Health_V1_HealthCheckResponse = try await TestCalls.call(channel, HealthServiceMethod.check.path, check)
        #expect(health.status == .serving)
        check.service = "no.such.Service"
        #expect(await TestCalls.statusCode(channel, HealthServiceMethod.check.path, check).code == .notFound)
    }

    @Test func validatesEveryRequestIdAndAnswersUnimplementedHonestly() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let server = try await TestServer.start(try workspace.centralized())
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }

        func id(_ text: String) -> Kms_V1_RequestId {
            var id = Kms_V1_RequestId()
            id.requestID = text
            return id
        }
        for malformed in ["", "0x" + Self.validId, Self.validId.uppercased(), String(Self.validId.dropLast()), "zz" + Self.validId.dropFirst(2)] {
            let status = await TestCalls.statusCode(channel, CoreServiceMethod.getKeyGenResult.path, id(malformed))
            #expect(status.code == .invalidArgument, "'\(malformed)' gave \(status)")
            #expect(status.message.hasPrefix("request_id:"))
        }
        // Nested ids are validated too, field by field.
        var decrypt = Kms_V1_PublicDecryptionRequest()
        decrypt.requestID = id(Self.validId)
        decrypt.keyID = id("0x1234")
        let nested = await TestCalls.statusCode(channel, CoreServiceMethod.publicDecrypt.path, decrypt)
        #expect(nested.code == .invalidArgument)
        #expect(nested.message.hasPrefix("key_id:"))
        // A well-formed request reaches its handler: this core holds no such key.
        decrypt.keyID = id(Self.validId)
        let unknownKey = await TestCalls.statusCode(channel, CoreServiceMethod.publicDecrypt.path, decrypt)
        #expect([.notFound, .failedPrecondition].contains(unknownKey.code), "\(unknownKey)")
        #expect(unknownKey.message.contains("key"), "\(unknownKey)")
        // An RPC whose engine is not built says so honestly.
        var crsGen = Kms_V1_CrsGenRequest()
        crsGen.requestID = id(Self.validId)
        let unimplemented = await TestCalls.statusCode(channel, CoreServiceMethod.crsGen.path, crsGen)
        #expect(unimplemented.code == .unimplemented, "\(unimplemented)")
        #expect(unimplemented.message.contains("CrsGen"))
        // A user decryption names its first bad field.
        var userDecrypt = Kms_V1_UserDecryptionRequest()
        userDecrypt.requestID = id(Self.validId)
        userDecrypt.keyID = id(Self.validId)
        userDecrypt.clientAddress = "not an address"
        let badAddress = await TestCalls.statusCode(channel, CoreServiceMethod.userDecrypt.path, userDecrypt)
        #expect(badAddress.code == .invalidArgument && badAddress.message.contains("client_address"), "\(badAddress)")
        // Bytes that are not the request message at all.
        let garbage = try await {
            do { _ = try await channel.unary(method: CoreServiceMethod.keyGen.path, request: [0xFF, 0xFF, 0xFF], timeout: .seconds(10)); return GRPCStatus(.ok) }
            catch let status as GRPCStatus { return status }
        }()
        #expect(garbage.code == .invalidArgument)
        // The insecure service is off unless configured.
        var keyGen = Kms_V1_KeyGenRequest()
        keyGen.requestID = id(Self.validId)
        #expect(await TestCalls.statusCode(channel, InsecureCoreServiceMethod.insecureKeyGen.path, keyGen).code == .unimplemented)
    }

    @Test func insecureServiceIsServedOnlyWhenConfigured() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        // Enabled through the environment override, on top of a file that says false.
        let server = try await TestServer.start(
            try workspace.centralized(), environment: ["KMS_CORE__SERVICE__ENABLE_INSECURE_SERVICE": "true"])
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }
        var keyGen = Kms_V1_KeyGenRequest()
        keyGen.requestID.requestID = "0x1234"
        let malformed = await TestCalls.statusCode(channel, InsecureCoreServiceMethod.insecureKeyGen.path, keyGen)
        #expect(malformed.code == .invalidArgument, "\(malformed)")
        keyGen.requestID.requestID = Self.validId
        keyGen.params = .test
        // The insecure service is there; this core has no [vault] to keep a key share in, and says so.
        let honest = await TestCalls.statusCode(channel, InsecureCoreServiceMethod.insecureKeyGen.path, keyGen)
        #expect(honest.code == .failedPrecondition, "\(honest)")
        #expect(honest.message.contains("[vault]"), "\(honest)")
        var check = Grpc_Health_V1_HealthCheckRequest()
        check.service = InsecureCoreServiceMethod.serviceName
        let health: Grpc_Health_V1_HealthCheckResponse = try await TestCalls.call(channel, HealthServiceMethod.check.path, check)
        #expect(health.status == .serving)
    }

    @Test func refusesClientsWithoutACertificateOrFromAnotherCA() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let stranger = try TestCertificates.generate(parties: 1)
        defer { stranger.remove() }
        let server = try await TestServer.start(try workspace.centralized())
        defer { server.stop() }
        let request = Kms_V1_Empty()
        let path = CoreServiceMethod.getHealthStatus.path

        let noCertificate = try server.channel(tls: workspace.certificates.clientTLS(certificate: nil, key: nil))
        defer { noCertificate.close() }
        let refusedAnonymous = await TestCalls.statusCode(noCertificate, path, request, timeout: .seconds(5))
        #expect(refusedAnonymous.code != .ok, "a client without certificate was served")

        // Trusts our server's CA, but presents a client certificate signed by another CA.
        let foreign = ClientTLSConfiguration(
            trustedRootsPEM: try workspace.certificates.read("ca.pem"),
            identity: TLSIdentity(certificateChainPEM: try stranger.read("client.pem"), privateKeyPEM: try stranger.read("client.key")))
        let foreignChannel = try server.channel(tls: foreign)
        defer { foreignChannel.close() }
        let refusedForeign = await TestCalls.statusCode(foreignChannel, path, request, timeout: .seconds(5))
        #expect(refusedForeign.code != .ok, "a client certificate from another CA was accepted")

        // Control: the same call with the cluster's client certificate succeeds, so the refusals were about identity.
        let good = try server.channel()
        defer { good.close() }
        #expect(await TestCalls.statusCode(good, path, request).code == .ok)
    }

    @Test func oversizedRequestIsRefusedAndTheServerStaysUp() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let server = try await TestServer.start(try workspace.centralized(maxMessageBytes: 64 * 1024))
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }

        var decrypt = Kms_V1_PublicDecryptionRequest()
        decrypt.requestID.requestID = Self.validId
        decrypt.keyID.requestID = Self.validId
        var ciphertext = Kms_V1_TypedCiphertext()
        ciphertext.ciphertext = Data(repeating: 7, count: 200 * 1024)
        decrypt.ciphertexts = [ciphertext]
        let status = await TestCalls.statusCode(channel, CoreServiceMethod.publicDecrypt.path, decrypt)
        #expect(status.code == .resourceExhausted, "\(status)")

        #expect(server.process.isRunning)
        let health: Kms_V1_HealthStatus = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
        #expect(health.state == .serving)
        // Just under the limit is accepted (and answered by the handler).
        ciphertext.ciphertext = Data(repeating: 7, count: 32 * 1024)
        decrypt.ciphertexts = [ciphertext]
        let handled = await TestCalls.statusCode(channel, CoreServiceMethod.publicDecrypt.path, decrypt)
        #expect([.notFound, .failedPrecondition].contains(handled.code), "\(handled)")
    }
}
