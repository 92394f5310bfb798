import Foundation
import GRPCCore
import KMSAPI
import Testing

/// Four real kms-server processes over mutual TLS on loopback: they create their default epoch (PRSS key setup
/// over the peer network), generate triples and bits and robust-open them with values the test shared; the
/// test checks what was opened with its own GF(p) arithmetic. Then the same with one faulty core of each kind,
/// and with a core killed (SIGKILL) and restarted.
@Suite(.serialized) struct ThresholdClusterTests {
    static let triples = 48
    static let bits = 32

    /// Checks one honest core's opened values and returns them for comparison across cores.
    static func check(_ result: Kms_V1_MpcSelfTestResult, values: [UInt64], party: Int) {
        #expect(result.tripleA.count == triples, "party \(party)")
        #expect(result.tripleB.count == triples)
        #expect(result.tripleC.count == triples)
        for index in 0..<min(triples, result.tripleC.count) {
            #expect(result.tripleC[index] == ReferenceField.multiply(result.tripleA[index], result.tripleB[index]),
                    "party \(party): triple \(index) has c ≠ a·b")
        }
        // r = 0 is dropped from the bits with probability 1/p per bit.
        #expect(result.bits.count == bits, "party \(party)")
        #expect(result.bits.allSatisfy { $0 <= 1 }, "party \(party): a random bit opened to something else")
        #expect(Set(result.bits).count == 2, "party \(party): \(bits) random bits all equal")
        #expect(result.inputs == values, "party \(party): the test's values did not open to themselves")
        #expect(Set(result.tripleA).count == triples, "party \(party): triples repeat")
    }

    /// The honest cores opened the same values, and each set is right.
    static func checkAgreement(_ results: [Int: Kms_V1_MpcSelfTestResult], honest: [Int], values: [UInt64]) {
        for party in honest {
            guard let result = results[party] else {
                Issue.record("party \(party) gave no result")
                continue
            }
            check(result, values: values, party: party)
        }
        let distinct = Set(honest.compactMap { results[$0] }.map { $0.tripleA + $0.tripleB + $0.tripleC + $0.bits })
        #expect(distinct.count == 1, "honest cores opened different values")
    }

    static func randomValues(_ count: Int) -> [UInt64] {
        (0..<count).map { _ in UInt64.random(in: 0..<ReferenceField.p) }
    }

    @Test func honestCoresCreateAnEpochAndComputeTogether() async throws {
        let cluster = try TestCluster()
        try await cluster.startAll()
        let values = Self.randomValues(5)
        let results = try await cluster.selfTest(parties: [1, 2, 3, 4], triples: Self.triples, bits: Self.bits, values: values)
        Self.checkAgreement(results, honest: [1, 2, 3, 4], values: values)
        #expect(results.values.allSatisfy { $0.bytesSent > 0 })

        // BandwidthBenchmark: core 1 measures its links to the three others.
        var request = Kms_V1_BandwidthBenchmarkRequest()
        request.payloadBytes = 64 << 10
        request.repetitions = 20
        let channel = try cluster.server(1).channel()
        defer { channel.close() }
        let bandwidth: Kms_V1_BandwidthBenchmarkResult = try await TestCalls.call(
            channel, CoreServiceMethod.bandwidthBenchmark.path, request, timeout: .seconds(60))
        #expect(bandwidth.partyID == 1)
        #expect(bandwidth.peers.map(\.partyID) == [2, 3, 4])
        for peer in bandwidth.peers {
            #expect(peer.error.isEmpty, "\(peer.error)")
            #expect(peer.bytesPerSecond > 0)
            #expect(peer.latencyP50Micros > 0 && peer.latencyP50Micros <= peer.latencyP90Micros && peer.latencyP90Micros <= peer.latencyP99Micros)
        }
        request.payloadBytes = 1 << 30
        #expect(await TestCalls.statusCode(channel, CoreServiceMethod.bandwidthBenchmark.path, request).code == .invalidArgument)

        // 150,000 values: each core's message to each other core (1.2 MB) travels in chunks and is reassembled.
        let many = Self.randomValues(150_000)
        let large = try await cluster.selfTest(parties: [1, 2, 3, 4], triples: 0, bits: 0, values: many, timeout: .seconds(120))
        #expect([1, 2, 3, 4].allSatisfy { large[$0]?.inputs == many }, "a large open came back wrong")
    }

    @Test func epochsAreCreatedListedAndDestroyedThroughTheAPI() async throws {
        let cluster = try TestCluster()
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: [1, 2, 3, 4])
        let channels = try [1, 2, 3, 4].map { try cluster.server($0).channel() }
        defer { for channel in channels { channel.close() } }
        let epochID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        var start = Kms_V1_NewMpcEpochRequest()
        start.epochID.requestID = epochID
        for channel in channels {
            #expect(await TestCalls.statusCode(channel, CoreServiceMethod.newMpcEpoch.path, start).code == .ok)
        }
        var lookup = Kms_V1_RequestId()
        lookup.requestID = epochID
        for channel in channels {
            var status = GRPCStatus(.unavailable)
            for _ in 0..<300 where status.code == .unavailable {
                status = await TestCalls.statusCode(channel, CoreServiceMethod.getEpochResult.path, lookup)
                if status.code == .unavailable { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(status.code == .ok, "\(status)")
            let result: Kms_V1_EpochResult = try await TestCalls.call(channel, CoreServiceMethod.getEpochResult.path, lookup)
            #expect(result.epochID.requestID == epochID)
        }
        // A used id, an unknown one, a malformed one.
        #expect(await TestCalls.statusCode(channels[0], CoreServiceMethod.newMpcEpoch.path, start).code == .alreadyExists)
        var unknown = Kms_V1_RequestId()
        unknown.requestID = String(repeating: "ab", count: 32)
        #expect(await TestCalls.statusCode(channels[0], CoreServiceMethod.getEpochResult.path, unknown).code == .notFound)
        unknown.requestID = "0x12"
        #expect(await TestCalls.statusCode(channels[0], CoreServiceMethod.getEpochResult.path, unknown).code == .invalidArgument)
        // A context naming a party this core does not pin is refused.
        var context = Kms_V1_NewMpcContextRequest()
        context.context.contextID.requestID = String(repeating: "cd", count: 32)
        context.context.threshold = 1
        context.context.nodes = (1...4).map { party in
            var node = Kms_V1_MpcNode()
            node.partyID = UInt32(party)
            node.address = "localhost:1"
            node.identity = party == 4 ? "someone-else" : "kms-core-\(party)"
            return node
        }
        #expect(await TestCalls.statusCode(channels[0], CoreServiceMethod.newMpcContext.path, context).code == .invalidArgument)
        // Destroyed: gone, and its stored keys with it.
        var destroy = Kms_V1_DestroyMpcEpochRequest()
        destroy.epochID.requestID = epochID
        #expect(await TestCalls.statusCode(channels[0], CoreServiceMethod.destroyMpcEpoch.path, destroy).code == .ok)
        #expect(await TestCalls.statusCode(channels[0], CoreServiceMethod.getEpochResult.path, lookup).code == .notFound)
        let stored = cluster.configurations[0].dataDirectory.appendingPathComponent("private/prss-epoch/\(epochID)").path
        #expect(!FileManager.default.fileExists(atPath: stored))
        let defaultStored = cluster.configurations[0].dataDirectory.appendingPathComponent("private/prss-epoch/\(try cluster.defaultEpochID())").path
        #expect(FileManager.default.fileExists(atPath: defaultStored), "the default epoch is stored in the vault")
        // Its bytes are not the PRSS keys in the clear: the record's magic is not visible.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: defaultStored))
        #expect(bytes.range(of: Data("KMSEPOCH".utf8)) == nil)
    }

    @Test func sevenCoresAtThresholdTwoComputeWithHyperInvertibleTriples() async throws {
        let cluster = try TestCluster(parties: 7, threshold: 2)
        try await cluster.startAll()
        let values = Self.randomValues(3)
        let results = try await cluster.selfTest(parties: Array(1...7), triples: Self.triples, bits: Self.bits, values: values, timeout: .seconds(120))
        Self.checkAgreement(results, honest: Array(1...7), values: values)
    }

    @Test(arguments: ["garbage", "silent", "delay", "equivocate"])
    func honestCoresAnswerCorrectlyWithOneFaultyCore(mode: String) async throws {
        // delay: 1 s per message, beyond the 300 ms fast path, within the 2.5 s round deadline.
        let cluster = try TestCluster(faulty: (party: 3, mode: mode, delayMilliseconds: 1000))
        try await cluster.startAll()
        let values = Self.randomValues(4)
        let honest = [1, 2, 4]
        let results = try await cluster.selfTest(parties: honest, triples: Self.triples, bits: Self.bits, values: values, timeout: .seconds(120))
        Self.checkAgreement(results, honest: honest, values: values)
    }

    @Test func aKilledCoreReloadsItsEpochAndTakesPartAgain() async throws {
        let cluster = try TestCluster()
        try await cluster.startAll()
        let first = Self.randomValues(3)
        Self.checkAgreement(
            try await cluster.selfTest(parties: [1, 2, 3, 4], triples: Self.triples, bits: Self.bits, values: first),
            honest: [1, 2, 3, 4], values: first)
        cluster.kill(2)
        try await cluster.start(2)
        let second = Self.randomValues(3)
        Self.checkAgreement(
            try await cluster.selfTest(parties: [1, 2, 3, 4], triples: Self.triples, bits: Self.bits, values: second),
            honest: [1, 2, 3, 4], values: second)
        let log = try cluster.server(2).log
        #expect(log.contains("epoch reloaded"), "party 2 did not reload its epoch from the vault")
        #expect(!log.contains("epoch setup started"), "party 2 ran a new setup instead of reloading")
    }
}
