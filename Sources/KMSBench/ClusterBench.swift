import Algebra
import Engine
import Foundation
import GRPCCore
import KMSAPI
import MPCProtocols
import MPCTestSupport
import SwiftProtobuf

/// `kms-bench cluster [--triples N] [--opens N] [--rounds R]`: four real kms-server processes over mutual TLS on
/// loopback (made by kms-gen-tls-certs, each with an encrypted vault), against the same protocols with all
/// four parties in this process over the in-memory network, in the same run. Prints triples/s and robust
/// opens/s for both and their ratio, bytes sent per triple, and the cores' BandwidthBenchmark.
enum ClusterBench {
    static func run(arguments: [String]) async throws {
        if arguments.contains("--help") {
            print("usage: kms-bench cluster [--triples N (20000)] [--opens N (200000)] [--rounds R (3)]")
            return
        }
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return Int(arguments[index + 1]) ?? fallback
        }
        let triples = option("--triples", 20_000), opens = option("--opens", 200_000), rounds = option("--rounds", 3)
        let cluster = try await LocalCluster.start(parties: 4, threshold: 1)
        defer { cluster.stop() }
        print("cluster: 4 kms-server processes, t = 1, mutual TLS on loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        var rng = SecureRandom()
        for round in 1...rounds {
            let remote = try await cluster.selfTest(triples: triples, inputs: [])
            let local = try await inProcessTriples(count: triples)
            let remoteRate = Double(triples) / remote.seconds, localRate = Double(triples) / local
            print(String(format: "round %d triples: processes %.0f/s (%.3f s in the cores, %.3f s at the client), one process %.0f/s (%.3f s), ratio processes/one process %.2f; %.1f bytes sent per triple per core",
                         round, remoteRate, remote.seconds, remote.wallSeconds, localRate, local, remoteRate / localRate, Double(remote.bytesSent) / Double(triples)))
            let values = (0..<opens).map { _ in FieldElement.random(using: &rng) }
            let shares = values.map { Shamir.share($0, threshold: 1, partyCount: 4, using: &rng) }
            let remoteOpen = try await cluster.selfTest(triples: 0, inputs: shares)
            let localOpen = try await inProcessOpen(shares: shares)
            let remoteOpenRate = Double(opens) / remoteOpen.seconds, localOpenRate = Double(opens) / localOpen
            print(String(format: "round %d robust opens: processes %.0f/s (%.3f s in the cores, %.3f s at the client), one process %.0f/s (%.3f s), ratio %.2f",
                         round, remoteOpenRate, remoteOpen.seconds, remoteOpen.wallSeconds, localOpenRate, localOpen, remoteOpenRate / localOpenRate))
        }
        for (payload, repetitions) in [(1 << 20, 32), (1024, 500)] {
            let result = try await cluster.bandwidth(payloadBytes: payload, repetitions: repetitions)
            for peer in result.peers {
                print(String(format: "bandwidth core 1 → core %d, %d-byte payloads × %d: %.1f MB/s, p50 %d µs, p90 %d µs, p99 %d µs%@",
                             peer.partyID, payload, repetitions, Double(peer.bytesPerSecond) / 1e6, peer.latencyP50Micros,
                             peer.latencyP90Micros, peer.latencyP99Micros, peer.error.isEmpty ? "" : " (\(peer.error))"))
            }
        }
    }

    private static func prss(_ party: Int) throws -> PRSS {
        let subsets = PRSS.subsets(partyCount: 4, threshold: 1)
        let keys = subsets.indices.filter { subsets[$0].contains(party) }.map { SHA3_256.hash(Array("bench.\($0)".utf8)) }
        return try PRSS(partyID: party, partyCount: 4, threshold: 1, keys: keys)
    }

    /// Seconds for all four parties to generate `count` triples in one batch in this process.
    static func inProcessTriples(count: Int) async throws -> Double {
        try await inProcess { context in
            _ = try await BeaverTriples.generate(count: count, prss: try prss(context.partyID), context: context, session: SessionID.root(requestID: Array("bench".utf8), label: "triples"))
        }
    }

    static func inProcessOpen(shares: [[FieldElement]]) async throws -> Double {
        try await inProcess { context in
            _ = try await RobustOpen.open(shares.map { $0[context.partyID - 1] }, context: context, session: SessionID.root(requestID: Array("bench".utf8), label: "open"))
        }
    }

    private static func inProcess(_ body: @escaping @Sendable (PartyContext) async throws -> Void) async throws -> Double {
        let hub = InMemoryHub(partyCount: 4)
        let contexts = try (1...4).map { try PartyContext(network: hub.endpoint($0), threshold: 1, timeout: .seconds(600)) }
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for context in contexts { group.addTask { try await body(context) } }
            try await group.waitForAll()
        }
        return seconds(clock.now - start)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
