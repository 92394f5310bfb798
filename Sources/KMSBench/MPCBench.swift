import Algebra
import FHEKeys
import Foundation
import MPCProtocols
import MPCTestSupport

/// `kms-bench mpc [--open-count N] [--triples N] [--batch N] [--only open|small|generators] [--no-bits]`: all parties in one
/// process over the in-memory network. Robust open of N values at (4,1); triples/s and random bits/s at (4,1) and (13,4);
/// rounds and bytes per triple. `--only generators`: triples/s and bytes per triple of both triple generators (PRSS
/// `BeaverTriples`, HIM `DoubleSharingTriples`) at (4,1), (7,2) and (13,4) — N triples at (4,1), N/4 at (7,2), N/10 at
/// (13,4) (PRSS there: N/50), in batches of `--batch` (default: one batch) — the measurements behind `TripleGenerator`;
/// `--n 13` for one setting only, `--no-prss` / `--no-hyperInvertible` to leave a generator out.
/// `--only decryption [--ciphertexts N] [--n 4|7|13]`: threshold decryption of N FheUint64 (32 blocks each) at production
/// parameters, (4,1) by default: material (bits, triples) and the online public decryption, blocks/s of each.
enum MPCBench {
    static func run(arguments: [String]) async throws {
        if arguments.contains("--help") {
            print("""
            usage: kms-bench mpc [--open-count N] [--triples N] [--batch N] [--only open|small|generators] [--no-bits]
              --only generators [--n 4|7|13] [--no-prss] [--no-hyperInvertible]: triples/s and bytes per triple of the PRSS
              and HIM triple generators at (4,1), (7,2), (13,4): N, N/4, N/10 triples (PRSS at (13,4): N/50)
              --only decryption [--ciphertexts N] [--n 4|7|13]: threshold decryption of N FheUint64 (default 64) at (4,1)
            """)
            return
        }
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return Int(arguments[index + 1]) ?? fallback
        }
        let openCount = option("--open-count", 1_000_000)
        let tripleCount = option("--triples", 200_000)
        let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        if only == "generators" {
            let batch = arguments.contains("--batch") ? option("--batch", tripleCount) : nil
            let setting = option("--n", 0), generators = TripleGenerator.allCases.filter { !arguments.contains("--no-\($0.rawValue)") }
            for (n, t) in [(4, 1), (7, 2), (13, 4)] where setting == 0 || setting == n {
                for generator in generators {
                    let divisor = n == 4 ? 1 : n == 7 ? 4 : generator == .prss ? 50 : 10
                    try await benchmarkTriples(n: n, t: t, generator: generator, count: max(1000, tripleCount / divisor), batchSize: batch)
                }
                print("  preferred at (\(n),\(t)): \(TripleGenerator.preferred(partyCount: n, threshold: t))")
            }
            return
        }
        if only == "decryption" {
            let n = [4, 7, 13].contains(option("--n", 4)) ? option("--n", 4) : 4
            try await benchmarkDecryption(n: n, t: (n - 1) / 3, ciphertexts: option("--ciphertexts", 64))
            return
        }
        if only == nil || only == "open" { try await benchmarkOpen(n: 4, t: 1, count: openCount) }
        if only == "open" { return }
        let sizes = only == "small" ? [(4, 1)] : [(4, 1), (13, 4)]
        for (n, t) in sizes {
            let count = n == 4 ? tripleCount : max(1000, tripleCount / 50)
            try await benchmarkTriplesAndBits(
                n: n, t: t, count: count, batchSize: n == 4 ? arguments.firstIndex(of: "--batch").map { _ in option("--batch", count) } : nil,
                skipBits: arguments.contains("--no-bits")
            )
        }
    }

    private static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private static func dealt(_ party: Int, _ n: Int, _ t: Int) throws -> PRSS {
        let subsets = PRSS.subsets(partyCount: n, threshold: t)
        let keys = subsets.indices.filter { subsets[$0].contains(party) }.map { SHA3_256.hash(Array("bench.\($0)".utf8)) }
        return try PRSS(partyID: party, partyCount: n, threshold: t, keys: keys)
    }

    /// Runs `body` for parties 1…n concurrently; returns the elapsed seconds and party 1's meter.
    private static func allParties<T: Sendable>(
        n: Int, t: Int, _ body: @escaping @Sendable (PartyContext) async throws -> T
    ) async throws -> (seconds: Double, meter: CommunicationMeter, output: T) {
        let hub = InMemoryHub(partyCount: n)
        let contexts = try (1...n).map { try PartyContext(network: hub.endpoint($0), threshold: t, timeout: .seconds(600)) }
        let start = now()
        let outputs = try await withThrowingTaskGroup(of: (Int, T).self) { group in
            for context in contexts { group.addTask { (context.partyID, try await body(context)) } }
            return try await group.reduce(into: [Int: T]()) { $0[$1.0] = $1.1 }
        }
        return (Double(now() - start) / 1e9, contexts[0].meter, outputs[1]!)
    }

    static func benchmarkOpen(n: Int, t: Int, count: Int) async throws {
        var rng = SeededGenerator(seed: [1], domain: "bench.open")
        var sharesByParty = [[FieldElement]](repeating: [], count: n)
        for _ in 0..<count {
            let shares = Shamir.share(FieldElement.random(using: &rng), threshold: t, partyCount: n, using: &rng)
            for party in 0..<n { sharesByParty[party].append(shares[party]) }
        }
        let inputs = sharesByParty
        let result = try await allParties(n: n, t: t) { context in
            try await RobustOpen.open(inputs[context.partyID - 1], context: context, session: SessionID(1)).count
        }
        print(String(format: "robust open (%d,%d): %d values in %.3f s (%.2f M values/s), %d round, %d bytes sent by party 1",
                     n, t, count, result.seconds, Double(count) / result.seconds / 1e6, result.meter.rounds, result.meter.bytesSent))
    }

    /// Triples/s of one generator: `count` triples in batches of `batchSize` (default: one batch), each party with its
    /// state carried across batches (PRSS exclusions, HIM disputes) as the preprocessing pool keeps it.
    static func benchmarkTriples(n: Int, t: Int, generator: TripleGenerator, count: Int, batchSize: Int? = nil) async throws {
        let batch = min(count, batchSize ?? count)
        let batches = max(1, count / batch)
        let triples = try await allParties(n: n, t: t) { context in
            let prss = try dealt(context.partyID, n, t)
            var excluded = Set<Int>()
            var disputes = HIMDisputeState(partyCount: n)
            var random = FastSeededGenerator(seed: [UInt8(context.partyID)], domain: "bench.him")
            var produced = 0
            for index in 0..<batches {
                let session = SessionID(2).child(UInt64(index))
                produced += try await generator == .prss
                    ? BeaverTriples.generate(count: batch, prss: prss, context: context, session: session, excluded: &excluded).count
                    : DoubleSharingTriples.generate(count: batch, context: context, session: session, disputes: &disputes, using: &random).count
            }
            return produced
        }
        print(String(format: "triples (%d,%d) %@: %d in %d batch(es) of %d in %.3f s = %.0f triples/s; %d rounds per batch, %.1f bytes sent per triple per party",
                     n, t, generator.rawValue, triples.output, batches, batch, triples.seconds, Double(triples.output) / triples.seconds,
                     triples.meter.rounds / batches, Double(triples.meter.bytesSent) / Double(triples.output)))
    }

    static func benchmarkTriplesAndBits(n: Int, t: Int, count: Int, batchSize: Int? = nil, skipBits: Bool = false) async throws {
        try await benchmarkTriples(n: n, t: t, generator: .prss, count: count, batchSize: batchSize)
        if skipBits { return }
        let bitCount = count / 2
        let bits = try await allParties(n: n, t: t) { context in
            let prss = try dealt(context.partyID, n, t)
            let fresh = try await BeaverTriples.generate(count: bitCount, prss: prss, context: context, session: SessionID(3))
            return try await RandomBits.generate(count: bitCount, triples: fresh, prss: prss, context: context, session: SessionID(4)).count
        }
        print(String(format: "random bits (%d,%d): %d in %.3f s = %.0f bits/s (triple generation included); %d rounds, %.1f bytes per bit per party",
                     n, t, bits.output, bits.seconds, Double(bits.output) / bits.seconds, bits.meter.rounds,
                     Double(bits.meter.bytesSent) / Double(bitCount)))
    }

    /// Threshold decryption of `ciphertexts` FheUint64 at production parameters: key shared by a dealer, blocks
    /// encrypted with the secret key; material generation (bits + triples, `TripleGenerator.preferred`) and the
    /// online public decryption timed apart; the result is checked against the messages.
    static func benchmarkDecryption(n: Int, t: Int, ciphertexts: Int) async throws {
        let parameters = FHEParameters.production
        var rng = SeededGenerator(seed: [7], domain: "bench.decryption")
        let client = ClientKey.generate(parameters: parameters)
        var keyShares = [[FieldElement]](repeating: [], count: n)
        for coefficient in client.small.coefficients {
            let shares = Shamir.share(coefficient, threshold: t, partyCount: n, using: &rng)
            for party in 0..<n { keyShares[party].append(shares[party]) }
        }
        let values = (0..<ciphertexts).map { _ in rng.next() }
        let blocks = values.flatMap { client.encrypt($0, as: .uint64, using: &rng).blocks }
        let expected = blocks.map { client.decrypt($0) % parameters.plaintextModulus }
        let plan = try ThresholdDecryptionPlan(parameters: parameters, partyCount: n, threshold: t)
        let session = SessionID(5)
        let generator = TripleGenerator.preferred(partyCount: n, threshold: t)
        let shares = keyShares
        let material = try await allMaterial(n: n, t: t, blockCount: blocks.count, plan: plan, session: session, generator: generator)
        let all = material.materials
        let online = try await allParties(n: n, t: t) { context in
            try await ThresholdDecryption.publicDecrypt(
                blocks: blocks, secretShares: shares[context.partyID - 1], material: all[context.partyID]!, context: context,
                session: session
            )
        }
        guard online.output == expected else { throw MPCError.decodingFailed(index: -1) }
        let count = Double(blocks.count)
        print(String(format: "threshold decryption (%d,%d), %d FheUint64 = %d blocks, k = %d (%d bits, %d triples per block, %@ triples)",
                     n, t, ciphertexts, blocks.count, plan.switchBits, plan.bitsPerBlock, plan.triplesPerBlock, generator.rawValue))
        print(String(format: "  material: %.3f s = %.0f blocks/s; %d rounds, %.0f bytes sent per block per party",
                     material.seconds, count / material.seconds, material.meter.rounds, Double(material.meter.bytesSent) / count))
        print(String(format: "  online public decryption: %.3f s = %.0f blocks/s; %d rounds, %.0f bytes sent per block per party; correct",
                     online.seconds, count / online.seconds, online.meter.rounds, Double(online.meter.bytesSent) / count))
    }

    /// Every party's decryption material (kept for the online phase), the seconds it took and party 1's meter.
    private static func allMaterial(
        n: Int, t: Int, blockCount: Int, plan: ThresholdDecryptionPlan, session: SessionID, generator: TripleGenerator
    ) async throws -> (seconds: Double, meter: CommunicationMeter, materials: [Int: DecryptionMaterial]) {
        let hub = InMemoryHub(partyCount: n)
        let contexts = try (1...n).map { try PartyContext(network: hub.endpoint($0), threshold: t, timeout: .seconds(600)) }
        let start = now()
        let materials = try await withThrowingTaskGroup(of: (Int, DecryptionMaterial).self) { group in
            for context in contexts {
                group.addTask {
                    (context.partyID, try await DecryptionMaterial.generate(
                        blockCount: blockCount, plan: plan, prss: try dealt(context.partyID, n, t), context: context,
                        session: session, generator: generator
                    ))
                }
            }
            return try await group.reduce(into: [Int: DecryptionMaterial]()) { $0[$1.0] = $1.1 }
        }
        return (Double(now() - start) / 1e9, contexts[0].meter, materials)
    }
}
