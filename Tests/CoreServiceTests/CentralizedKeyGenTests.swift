import FHEKeys
import Foundation
import GRPCCore
import KMSAPI
import MPCProtocols
import Testing
import Vault

/// Key generation on a centralized core (the same client flow and formats as the threshold cluster) and the
/// status contract of DESIGN §4 for bad key-generation requests.
@Suite struct CentralizedKeyGenTests {
    func startCore(_ workspace: TestWorkspace, extra: [String] = []) async throws -> (TestServer, TestServerConfiguration) {
        var configuration = try workspace.centralized()
        let keyFile = workspace.root.appendingPathComponent("root.key").path
        try TestCluster.writeRootKey(keyFile)
        configuration.vaultKeyFile = keyFile
        configuration.enableInsecureService = true
        configuration.extraSections = extra
        return (try await TestServer.start(configuration), configuration)
    }

    @Test func theClientFlowWorksAgainstACentralizedCore() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let (server, configuration) = try await startCore(workspace)
        let client = try KeyGenClient(workspace: workspace, cores: [(1, server.serviceTarget)], threshold: 0)
        let preprocessing = try client.json(["preproc", "--params", "test"])
        let preprocessingID = try #require(preprocessing["preproc_id"] as? String)
        let keygen = try client.json(["keygen", "--params", "test", "--preproc-id", preprocessingID])
        let keyID = try #require(keygen["key_id"] as? String)
        let fetched = try client.json(["fetch-keys", "--key-id", keyID, "--keys-dir", client.keysDirectory.path])
        let addresses = try await KeyGenTestSupport.operatorAddresses([0: server])
        #expect(try client.recoverWithEthAccount(fetched) == [addresses[0]!])

        let value = UInt64.random(in: 0...0xFFFF)
        let file = client.keysDirectory.appendingPathComponent("v.ct")
        let encrypted = try client.run(["encrypt", "--key-id", keyID, "--keys-dir", client.keysDirectory.path,
                                        "--type", "uint16", "--value", "\(value)", "--out", file.path])
        #expect(encrypted.status == 0, "\(encrypted.combined)")
        var random = SystemRandomNumberGenerator()
        let wide = RadixValue.random(bits: 256, using: &random)
        let wideFile = client.keysDirectory.appendingPathComponent("w.ct")
        let wideHex = "0x" + wide.bigEndianBytes.map { String(format: "%02x", $0) }.joined()
        let wideRun = try client.run(["encrypt", "--key-id", keyID, "--keys-dir", client.keysDirectory.path,
                                      "--type", "uint256", "--value", wideHex, "--out", wideFile.path])
        #expect(wideRun.status == 0, "\(wideRun.combined)")
        let tooWide = try client.run(["encrypt", "--key-id", keyID, "--keys-dir", client.keysDirectory.path,
                                      "--type", "uint8", "--value", "256", "--out", wideFile.path + ".x"])
        #expect(tooWide.status == 1 && tooWide.errorOutput.contains("does not fit in 8 bit"), "\(tooWide.combined)")
        let serverKey = try ServerKey(serialized: Array(try Data(contentsOf: client.keysDirectory.appendingPathComponent("\(keyID)/ServerKey"))))
        let ciphertext = try KeyGenTestSupport.ciphertext(file, parameters: .insecureTest)
        let doubled = serverKey.add(ciphertext, ciphertext)

        // Public decryption by the core itself (issue 12: centralized mode serves the same API), signed.
        let decrypted = try client.json(["decrypt", "--key-id", keyID, "--ciphertext", file.path, "--ciphertext", wideFile.path])
        let plaintexts = try #require(decrypted["plaintexts"] as? [[String: Any]])
        #expect(plaintexts.map { $0["hex"] as? String } == ["0x" + String(value, radix: 16), "0x\(wide)"], "\(decrypted)")
        #expect(plaintexts.first?["value"] as? String == "\(value)")
        #expect(plaintexts.map { $0["fhe_type"] as? String } == ["uint16", "uint256"])
        #expect(try client.recoverDecryptionSignersWithEthAccount(decrypted) == [addresses[0]!])

        _ = server.stop()
        let share = try await KeyGenTestSupport.share(
            dataDirectory: configuration.dataDirectory, rootKeyFile: try #require(configuration.vaultKeyFile), keyID: keyID)
        let key = try SecretKeyShare.insecureReconstruct([share], threshold: 0)
        #expect(key.decrypt(ciphertext) == value)
        #expect(key.decrypt(doubled) == (2 * value) & 0xFFFF)
        #expect(try key.decryptValue(try KeyGenTestSupport.ciphertext(wideFile, parameters: .insecureTest)) == wide)
    }

    @Test func badRequestsGetTheirStatusAndTheCoreKeepsServing() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let (server, _) = try await startCore(workspace)
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }
        func id() -> String { (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined() }
        func keyGen(_ requestID: String, preprocessing: String?, params: Kms_V1_FheParameterSet = .test) async -> GRPCStatus {
            var request = Kms_V1_KeyGenRequest()
            request.requestID.requestID = requestID
            request.params = params
            if let preprocessing { request.preprocID.requestID = preprocessing }
            return await TestCalls.statusCode(channel, CoreServiceMethod.keyGen.path, request)
        }
        func preprocess(_ params: Kms_V1_FheParameterSet = .test) async throws -> String {
            var request = Kms_V1_KeyGenPreprocRequest()
            request.requestID.requestID = id()
            request.params = params
            let status = await TestCalls.statusCode(channel, CoreServiceMethod.keyGenPreproc.path, request)
            try #require(status.code == .ok, "\(status)")
            var result = Kms_V1_RequestId()
            result.requestID = request.requestID.requestID
            var done = GRPCStatus(.unavailable)
            for _ in 0..<300 where done.code == .unavailable {
                done = await TestCalls.statusCode(channel, CoreServiceMethod.getKeyGenPreprocResult.path, result)
                if done.code == .unavailable { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(done.code == .ok, "\(done)")
            return request.requestID.requestID
        }
        func waitForKey(_ keyID: String) async throws {
            var request = Kms_V1_RequestId()
            request.requestID = keyID
            var status = GRPCStatus(.unavailable)
            for _ in 0..<300 where status.code == .unavailable {
                status = await TestCalls.statusCode(channel, CoreServiceMethod.getKeyGenResult.path, request)
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status.code == .ok, "\(status)")
        }

        #expect(await keyGen(id(), preprocessing: id()).code == .notFound)
        let preprocessing = try await preprocess()
        let first = id()
        #expect(await keyGen(first, preprocessing: preprocessing).code == .ok)
        #expect(await keyGen(id(), preprocessing: preprocessing).code == .failedPrecondition, "a preprocessing is used once")
        #expect(await keyGen(first, preprocessing: try await preprocess()).code == .alreadyExists, "a reused request id")
        #expect(await keyGen(id(), preprocessing: try await preprocess(), params: .default).code == .failedPrecondition,
                "a test-parameter preprocessing for a production key")
        #expect(await keyGen(id(), preprocessing: nil, params: .unspecified).code == .invalidArgument)
        var badID = Kms_V1_KeyGenRequest()
        badID.requestID.requestID = "0xABC"
        #expect(await TestCalls.statusCode(channel, CoreServiceMethod.keyGen.path, badID).code == .invalidArgument)
        var unknown = Kms_V1_RequestId()
        unknown.requestID = id()
        #expect(await TestCalls.statusCode(channel, CoreServiceMethod.getKeyGenResult.path, unknown).code == .notFound)
        #expect(await TestCalls.statusCode(channel, CoreServiceMethod.getKeyGenPreprocResult.path, unknown).code == .notFound)
        try await waitForKey(first)
        #expect(await TestCalls.statusCode(channel, CoreServiceMethod.abortKeyGen.path, unknown).code == .notFound)
        var finished = Kms_V1_RequestId()
        finished.requestID = first
        #expect(await TestCalls.statusCode(channel, CoreServiceMethod.abortKeyGen.path, finished).code == .failedPrecondition)
        // The core still serves.
        let health: Kms_V1_HealthStatus = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
        #expect(health.state == .serving && health.keyIds.contains(first))
    }

    @Test func requestsOverTheRateLimitAreRefused() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let (server, _) = try await startCore(workspace, extra: [
            "[rate_limiter]\nbucket_size = 2500\nrefill_per_second = 0\nkeygen_preproc_cost = 1000"])
        defer { server.stop() }
        let channel = try server.channel()
        defer { channel.close() }
        var codes: [GRPCStatusCode] = []
        for _ in 0..<3 {
            var request = Kms_V1_KeyGenPreprocRequest()
            request.requestID.requestID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
            request.params = .test
            codes.append(await TestCalls.statusCode(channel, CoreServiceMethod.keyGenPreproc.path, request).code)
        }
        #expect(codes == [.ok, .ok, .resourceExhausted])
        let health = await TestCalls.statusCode(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
        #expect(health.code == .ok)
    }
}

/// `[public_storage]`: the public objects go to an S3 bucket (moto's server, started by scripts/test.sh), the
/// private ones stay in the encrypted data directory; the client flow is the same.
@Suite struct PublicStorageTests {
    @Test func publicObjectsGoToTheBucketAndAreServedFromIt() async throws {
        let endpoint = try #require(ProcessInfo.processInfo.environment["KMS_TEST_MOTO_ENDPOINT"],
                                    "KMS_TEST_MOTO_ENDPOINT is not set: scripts/test.sh starts moto_server and sets it")
        let bucket = "kms-public-" + UUID().uuidString.lowercased().prefix(12)
        let s3 = try S3Storage(configuration: S3Configuration(
            bucket: bucket, region: "us-east-1", endpoint: endpoint, addressingStyle: .path, keyPrefix: "core-1/",
            credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing")))
        try await s3.createBucket()

        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        var configuration = try workspace.centralized()
        let keyFile = workspace.root.appendingPathComponent("root.key").path
        try TestCluster.writeRootKey(keyFile)
        configuration.vaultKeyFile = keyFile
        configuration.extraSections = ["""
            [public_storage]
            s3_bucket = "\(bucket)"
            s3_endpoint = "\(endpoint)"
            s3_addressing_style = "path"
            s3_key_prefix = "core-1/"
            """]
        let server = try await TestServer.start(
            configuration, environment: ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"])
        defer { server.stop() }
        let client = try KeyGenClient(workspace: workspace, cores: [(1, server.serviceTarget)], threshold: 0)
        let preprocessing = try client.json(["preproc", "--params", "test"])
        let keygen = try client.json(["keygen", "--params", "test", "--preproc-id", try #require(preprocessing["preproc_id"] as? String)])
        let keyID = try #require(keygen["key_id"] as? String)
        _ = try client.json(["fetch-keys", "--key-id", keyID, "--keys-dir", client.keysDirectory.path])

        let fetched = Array(try Data(contentsOf: client.keysDirectory.appendingPathComponent("\(keyID)/PublicKey")))
        #expect(try await s3.read(id: try ObjectID(kind: "PublicKey", name: keyID), objectClass: .public) == fetched)
        #expect(!FileManager.default.fileExists(atPath: configuration.dataDirectory.appendingPathComponent("public/PublicKey/\(keyID)").path))
        // The secret share is not in the bucket.
        #expect(try await s3.list(kind: "FheKeyShare", objectClass: .private).isEmpty)
    }
}
