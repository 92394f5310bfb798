import FHEKeys
import Foundation
import GRPCCore
import KMSAPI
import Testing

/// The background pool of preprocessed decryption blocks with 4 real cores over mutual TLS (test parameters):
/// it fills before any request, requests led by each core are served from it (the cores' metrics say so) and
/// decrypt correctly, it refills; an equivocating core and a core restarted with an empty pool
/// change no plaintext. Runs in the multi-process phase of scripts/test.sh.
@Suite(.serialized) struct DecryptionPoolClusterTests {
    /// Each core makes 64 blocks (two batches of 32; a uint64 has 32 blocks), every core holds all 256.
    static let target = 256, batch = 32

    static func cluster(faulty: (party: Int, mode: String, delayMilliseconds: Int)? = nil) throws -> (TestCluster, [Int: Int]) {
        var metricsPorts: [Int: Int] = [:]
        for party in 1...4 { metricsPorts[party] = try TestProcesses.freePort() }
        let cluster = try TestCluster(faulty: faulty) { party in
            ["[decryption]\npool_target_blocks = \(target)\npool_batch_blocks = \(batch)",
             "[metrics]\nlisten_address = \"127.0.0.1\"\nlisten_port = \(metricsPorts[party]!)"]
        }
        return (cluster, metricsPorts)
    }

    static func poolLevel(_ cluster: TestCluster, _ party: Int) async throws -> Int {
        let channel = try cluster.server(party).channel()
        defer { channel.close() }
        let status: Kms_V1_HealthStatus = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
        return Int(status.decryptionPoolBlocks)
    }

    static func waitForPool(_ cluster: TestCluster, parties: [Int], atLeast level: Int, limit: Duration = .seconds(180)) async throws {
        let deadline = ContinuousClock.now + limit
        var levels: [Int: Int] = [:]
        while ContinuousClock.now < deadline {
            for party in parties { levels[party] = try await poolLevel(cluster, party) }
            if parties.allSatisfy({ levels[$0]! >= level }) { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw TestProcesses.Failure(description: "pool levels \(levels.sorted { $0.key < $1.key }) never reached \(level)")
    }

    /// A request id whose pool assignment is led by `leader` (PoolAssignment.leader: last byte mod n, plus 1).
    static func requestID(ledBy leader: Int) -> String {
        (0..<31).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined() + String(format: "%02x", leader - 1 + 4 * Int.random(in: 0..<60))
    }

    static func preprocessingCount(_ port: Int, source: String) throws -> Double {
        let body = try TestProcesses.run(try TestProcesses.tool("curl"), ["-s", "http://127.0.0.1:\(port)/metrics"]).output
        let sample = "kms_decryption_preprocessing_total{source=\"\(source)\"}"
        return body.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    func decrypt(_ file: URL, keyID: String, requestID: String, client: KeyGenClient) throws -> (hex: String?, signers: [Int]) {
        let answer = try client.json(["decrypt", "--key-id", keyID, "--ciphertext", file.path, "--request-id", requestID], timeout: 120)
        let hex = (answer["plaintexts"] as? [[String: Any]])?.first?["hex"] as? String
        return (hex, (answer["signatures"] as? [[String: Any]])?.compactMap { $0["party_id"] as? Int } ?? [])
    }

    @Test func requestsLedByEveryCoreAreServedFromThePoolWhichRefills() async throws {
        let (cluster, metrics) = try Self.cluster()
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: cluster.parties)
        try await Self.waitForPool(cluster, parties: cluster.parties, atLeast: Self.target)
        let client = try KeyGenClient(workspace: cluster.workspace, cores: cluster.parties.map { ($0, try cluster.server($0).serviceTarget) }, threshold: 1)
        let helper = ThresholdDecryptionClusterTests()
        let keyID = try helper.keySet(cluster, client: client)
        var random = SystemRandomNumberGenerator()
        for leader in 1...4 {
            let value = RadixValue.random(bits: 64, using: &random)
            let file = try helper.encrypt(value, type: "uint64", keyID: keyID, client: client)
            let answer = try decrypt(file, keyID: keyID, requestID: Self.requestID(ledBy: leader), client: client)
            #expect(answer.hex == "0x\(value)", "request led by core \(leader)")
            #expect(answer.signers == [1, 2, 3, 4], "request led by core \(leader): \(answer.signers)")
        }
        for party in 1...4 {
            #expect(try Self.preprocessingCount(metrics[party]!, source: "pool") == 4, "core \(party) served all four requests from the pool")
            #expect(try Self.preprocessingCount(metrics[party]!, source: "own") == 0, "core \(party) preprocessed a request itself")
        }
        // 4 × 32 blocks were spent; each core refills its own share.
        try await Self.waitForPool(cluster, parties: cluster.parties, atLeast: Self.target, limit: .seconds(120))
    }

    @Test func anEquivocatingCoreAndARestartedCoreChangeNoPlaintext() async throws {
        let (cluster, metrics) = try Self.cluster(faulty: (party: 4, mode: "equivocate", delayMilliseconds: 0))
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: cluster.parties)
        try await Self.waitForPool(cluster, parties: [1, 2, 3], atLeast: 3 * 64)
        let client = try KeyGenClient(workspace: cluster.workspace, cores: cluster.parties.map { ($0, try cluster.server($0).serviceTarget) }, threshold: 1)
        let helper = ThresholdDecryptionClusterTests()
        let keyID = try helper.keySet(cluster, client: client)
        var random = SystemRandomNumberGenerator()
        // Core 4 equivocates in every message it sends, its proposals included: a request it leads may split the
        // honest cores, but what t + 1 cores sign is the value.
        for leader in [4, 1, 4, 2] {
            let value = RadixValue.random(bits: 8, using: &random)
            let file = try helper.encrypt(value, type: "uint8", keyID: keyID, client: client)
            let answer = try decrypt(file, keyID: keyID, requestID: Self.requestID(ledBy: leader), client: client)
            #expect(answer.hex == "0x\(value)", "request led by core \(leader), signed by \(answer.signers)")
        }
        #expect(try Self.preprocessingCount(metrics[1]!, source: "pool") >= 2, "requests led by honest cores used the pool")

        // Core 2 crashes and comes back with an empty pool: the others still serve from theirs.
        cluster.kill(2)
        try await cluster.start(2)
        try await cluster.waitForDefaultEpoch(parties: [2])
        for leader in [1, 3] {
            let value = RadixValue.random(bits: 8, using: &random)
            let file = try helper.encrypt(value, type: "uint8", keyID: keyID, client: client)
            let answer = try decrypt(file, keyID: keyID, requestID: Self.requestID(ledBy: leader), client: client)
            #expect(answer.hex == "0x\(value)", "after core 2's restart, led by core \(leader), signed by \(answer.signers)")
        }
    }
}
