import FHEKeys
import Foundation
import GRPCCore
import KMSAPI
import MPCProtocols
import Testing

/// Issue 11 acceptance with 4 real kms-server processes over mutual TLS (test parameters): preproc → keygen →
/// fetch-keys → eth-account verifies every KeygenVerification → encrypt with the client → homomorphic add and
/// comparison with the fetched server key → decrypt with the key that t + 1 vault shares reconstruct.
/// Runs in the multi-process phase of scripts/test.sh.
@Suite(.serialized) struct ThresholdKeyGenTests {
    func client(_ cluster: TestCluster) throws -> KeyGenClient {
        try KeyGenClient(workspace: cluster.workspace, cores: cluster.parties.map { ($0, try cluster.server($0).serviceTarget) }, threshold: 1)
    }

    /// preproc then keygen through the client; the keygen JSON answer.
    func generate(_ client: KeyGenClient, multiBit: Bool = false) throws -> [String: Any] {
        let preprocessing = try client.json(["preproc", "--params", "test"] + (multiBit ? ["--multi-bit"] : []), timeout: 60)
        let preprocessingID = try #require(preprocessing["preproc_id"] as? String)
        return try client.json(["keygen", "--params", "test", "--preproc-id", preprocessingID], timeout: 60)
    }

    /// fetch-keys, the eth-account check, encryption with the client, add and compare with the server key, and
    /// decryption with the key reconstructed from `shareParties`' vaults (the cores are stopped for that).
    func checkKeySet(_ keygen: [String: Any], client: KeyGenClient, cluster: TestCluster, signers: Set<Int>) async throws {
        let keyID = try #require(keygen["key_id"] as? String)
        let signatures = try #require(keygen["signatures"] as? [[String: Any]])
        #expect(Set(signatures.compactMap { $0["party_id"] as? Int }) == signers, "\(keygen)")

        let fetched = try client.json(["fetch-keys", "--key-id", keyID, "--keys-dir", client.keysDirectory.path])
        let addresses = try await KeyGenTestSupport.operatorAddresses(cluster.servers.filter { signers.contains($0.key) })
        let recovered = try client.recoverWithEthAccount(fetched)
        let claimed = (fetched["signatures"] as? [[String: Any]] ?? []).compactMap { $0["party_id"] as? Int }
        #expect(recovered.count == claimed.count && recovered.count >= 2)
        for (party, address) in zip(claimed, recovered) {
            #expect(address == addresses[party], "core \(party): eth-account recovered \(address), the core announces \(addresses[party] ?? "-")")
        }

        let x = UInt64.random(in: 0...255), y = UInt64.random(in: 0...255)
        let xFile = client.keysDirectory.appendingPathComponent("x.ct"), yFile = client.keysDirectory.appendingPathComponent("y.ct")
        for (value, file) in [(x, xFile), (y, yFile)] {
            let encrypted = try client.run(["encrypt", "--key-id", keyID, "--keys-dir", client.keysDirectory.path,
                                            "--type", "uint8", "--value", "\(value)", "--out", file.path])
            #expect(encrypted.status == 0, "\(encrypted.combined)")
        }
        let keyDirectory = client.keysDirectory.appendingPathComponent(keyID)
        let serverKey = try ServerKey(serialized: Array(try Data(contentsOf: keyDirectory.appendingPathComponent("ServerKey"))))
        let a = try KeyGenTestSupport.ciphertext(xFile, parameters: .insecureTest)
        let b = try KeyGenTestSupport.ciphertext(yFile, parameters: .insecureTest)
        let sum = serverKey.add(a, b), less = serverKey.lt(a, b)

        // Test only: t + 1 = 2 shares from the vaults of two signing cores (stopped first: the vault is locked).
        let parties = Array(signers.sorted().prefix(2))
        for party in parties { _ = try cluster.server(party).stop() }
        var shares: [SecretKeyShare] = []
        for party in parties {
            let configuration = cluster.configurations[party - 1]
            shares.append(try await KeyGenTestSupport.share(
                dataDirectory: configuration.dataDirectory, rootKeyFile: try #require(configuration.vaultKeyFile), keyID: keyID))
        }
        let key = try SecretKeyShare.insecureReconstruct(shares, threshold: 1)
        #expect(key.decrypt(a) == x && key.decrypt(b) == y)
        #expect(key.decrypt(sum) == (x + y) % 256, "x = \(x), y = \(y)")
        #expect(key.decrypt(less) == (x < y ? 1 : 0), "x = \(x), y = \(y)")
        for party in parties { try await cluster.start(party) }
    }

    @Test func fourCoresGenerateAKeyThatWorksAndSurvivesRestarts() async throws {
        let cluster = try TestCluster()
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: cluster.parties)
        let client = try client(cluster)
        let keygen = try generate(client)
        try await checkKeySet(keygen, client: client, cluster: cluster, signers: [1, 2, 3, 4])
        let keyID = try #require(keygen["key_id"] as? String)

        // All four restarted: the key set is still served, its digests verified again.
        cluster.stopAll()
        try await cluster.startAll()
        let again = try client.json(["fetch-keys", "--key-id", keyID, "--keys-dir", client.keysDirectory.appendingPathComponent("again").path])
        #expect((again["signatures"] as? [[String: Any]])?.count == 4, "\(again)")

        // A public key altered on disk: that core refuses it (health names it) and never serves it.
        _ = try cluster.server(1).stop()
        let stored = cluster.configurations[0].dataDirectory.appendingPathComponent("public/PublicKey/\(keyID)")
        var bytes = Array(try Data(contentsOf: stored))
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: stored)
        try await cluster.start(1)
        let channel = try cluster.server(1).channel()
        defer { channel.close() }
        var request = Kms_V1_PublicObjectRequest()
        request.keyID.requestID = keyID
        request.objectType = "PublicKey"
        let refused = await TestCalls.statusCode(channel, CoreServiceMethod.getPublicObject.path, request)
        #expect(refused.code == .failedPrecondition, "\(refused)")
        let health: Kms_V1_HealthStatus = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
        #expect(health.refusedKeys.contains { $0.hasPrefix(keyID) && $0.contains("digest") }, "\(health.refusedKeys)")
        #expect(!health.keyIds.contains(keyID))
        #expect(try cluster.server(1).log.contains("key set refused"))
        // The client still gets the signed bytes from the other cores.
        let fromOthers = try client.run(["fetch-keys", "--key-id", keyID, "--keys-dir", client.keysDirectory.appendingPathComponent("third").path])
        #expect(fromOthers.status == 0, "\(fromOthers.combined)")
    }

    /// Issue 13: a preprocessing asked for a multi-bit key makes the KeyGen produce one, and it bootstraps.
    @Test func aMultiBitPreprocessingMakesAMultiBitKeyThatWorks() async throws {
        let cluster = try TestCluster()
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: cluster.parties)
        let client = try client(cluster)
        let keygen = try generate(client, multiBit: true)
        try await checkKeySet(keygen, client: client, cluster: cluster, signers: [1, 2, 3, 4])
        let keyID = try #require(keygen["key_id"] as? String)
        let bytes = try Data(contentsOf: client.keysDirectory.appendingPathComponent(keyID).appendingPathComponent("ServerKey"))
        guard case .multiBit = try ServerKey(serialized: Array(bytes)).blindRotationKey else {
            Issue.record("the server key is not multi-bit")
            return
        }
    }

    @Test func aGarbageCoreCannotStopTheKeyGeneration() async throws {
        let cluster = try TestCluster(faulty: (party: 4, mode: "garbage", delayMilliseconds: 0))
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: [1, 2, 3])
        let client = try client(cluster)
        let keygen = try generate(client)
        let signers = Set((keygen["signatures"] as? [[String: Any]] ?? []).compactMap { $0["party_id"] as? Int })
        #expect(signers.isSuperset(of: [1, 2, 3]), "\(keygen)")
        try await checkKeySet(keygen, client: client, cluster: cluster, signers: signers)
    }

    /// Core 4 is SIGKILLed in the middle of its key generation (it has started, the others have not, so it cannot
    /// have finished); the other three complete it, and core 4, restarted, says it does not hold the key.
    @Test func aCoreKilledDuringKeyGenerationDoesNotHoldTheKey() async throws {
        let cluster = try TestCluster()
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: cluster.parties)
        let client = try client(cluster)
        let preprocessing = try client.json(["preproc", "--params", "test"], timeout: 60)
        let preprocessingID = try #require(preprocessing["preproc_id"] as? String)
        let keyID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        var request = Kms_V1_KeyGenRequest()
        request.requestID.requestID = keyID
        request.preprocID.requestID = preprocessingID
        request.params = .test

        let channel = try cluster.server(4).channel()
        let started = await TestCalls.statusCode(channel, CoreServiceMethod.keyGen.path, request)
        channel.close()
        #expect(started.code == .ok, "\(started)")
        cluster.kill(4)

        // The other three run the same KeyGen through the client (core 4 is down: its start is refused there).
        let others = try KeyGenClient(workspace: cluster.workspace, cores: [1, 2, 3].map { ($0, try cluster.server($0).serviceTarget) }, threshold: 1)
        let keygen = try others.json(["keygen", "--params", "test", "--preproc-id", preprocessingID, "--request-id", keyID], timeout: 60)
        #expect((keygen["signatures"] as? [[String: Any]])?.count == 3, "\(keygen)")

        try await cluster.start(4)
        let restarted = try cluster.server(4).channel()
        defer { restarted.close() }
        var resultRequest = Kms_V1_RequestId()
        resultRequest.requestID = keyID
        let result = await TestCalls.statusCode(restarted, CoreServiceMethod.getKeyGenResult.path, resultRequest)
        #expect(result.code == .notFound, "\(result)")
        let availability: Kms_V1_KeyMaterialAvailability = try await TestCalls.call(
            restarted, CoreServiceMethod.getKeyMaterialAvailability.path, Kms_V1_Empty())
        #expect(!availability.fheKeyIds.contains(keyID))
        try await checkKeySet(keygen, client: others, cluster: cluster, signers: [1, 2, 3])
    }
}
