import Algebra
import Testing
@testable import MPCProtocols

/// Shared TUniform(b) noise from shared bits: the opened samples follow tfhe-rs' TUniform exactly (range [−2^b, 2^b],
/// the two ends at half weight, its variance), the honest parties agree under every adversary, and the local
/// bits-to-sample map is the formula on known bits.
@Suite struct SharedTUniformNoiseTests {
    static func signed(_ e: FieldElement) -> Int64 {
        e.value > FieldElement.modulus / 2 ? -Int64(FieldElement.modulus - e.value) : Int64(e.value)
    }

    /// Known answers on public bits (a degree-0 "sharing"): every pattern of b + 2 = 5 bits at b = 3.
    @Test func samplesFromKnownBitsAreTheFormula() {
        let b = 3
        for pattern in 0..<32 {
            let bits = (0..<5).map { FieldElement(UInt64((pattern >> $0) & 1)) }
            let sample = SharedTUniformNoise.samples(fromBits: bits[...], log2Bound: b)
            // Σ_{j ≤ 3} 2^j·u_j + u_4 − 8
            #expect(sample.map(Self.signed) == [Int64(pattern & 15) + Int64(pattern >> 4) - 8])
        }
        // Two samples from ten bits, in order.
        let two = SharedTUniformNoise.samples(fromBits: ([1, 1, 1, 1, 1, 0, 0, 0, 0, 0] as [UInt64]).map(FieldElement.init)[...], log2Bound: 3)
        #expect(two.map(Self.signed) == [8, -8])
    }

    @Test(arguments: [Adversary.allHonest, .silent, .garbage, .equivocating])
    func openedSamplesAreTUniform(adversary: Adversary) async throws {
        let (n, t, b, count) = (4, 1, 3, 1_500)
        let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, _ in
            let prss = try dealtPRSS(party: context.partyID, n: n, t: t)
            var source = TripleSource(prss: prss, context: context)
            defer { source.finish() }
            return try await SharedTUniformNoise.generate(
                count: count, log2Bound: b, source: &source, prss: prss, context: context,
                session: SessionID(41), batch: 2_000)
        }
        #expect(outputs.count == n - adversary.corruptParties(n: n, t: t).count)
        #expect(outputs.values.allSatisfy { $0.count == count })
        var histogram = [Int64: Int]()
        for k in 0..<count {
            // Decoding with degree t and up to t errors: fails unless the honest shares lie on one polynomial.
            let value = try RobustOpen.decode(columns: (1...n).map { outputs[$0].map { [$0[k]] } }, degree: t, threshold: t, count: 1)[0]
            histogram[Self.signed(value), default: 0] += 1
        }
        let bound = Int64(1) << Int64(b)
        #expect(histogram.keys.allSatisfy { abs($0) <= bound })
        // 17 values: the interior ones 1/16 each, the two ends 1/32 each, so together as frequent as one interior
        // value (93.75 of 1,500, std 9.4); ends at full weight would give 167.
        let ends = histogram[bound, default: 0] + histogram[-bound, default: 0]
        let interior = Double(count - ends) / 15
        #expect(Double(ends) > 0.7 * interior && Double(ends) < 1.35 * interior, "ends \(ends), interior mean \(interior)")
        let mean = Double(histogram.reduce(0) { $0 + $1.key * Int64($1.value) }) / Double(count)
        let variance = Double(histogram.reduce(0) { $0 + $1.key * $1.key * Int64($1.value) }) / Double(count)
        // A uniform on [0, 2^(b+1)) plus an independent bit: (4^(b+1) − 1)/12 + 1/4 = 21.5 at b = 3.
        let predicted = (Double(1 << (2 * b + 2)) - 1) / 12 + 0.25
        #expect(abs(mean) < 1.5, "mean \(mean)")
        #expect(variance > 0.9 * predicted && variance < 1.1 * predicted, "variance \(variance), predicted \(predicted)")
    }
}
