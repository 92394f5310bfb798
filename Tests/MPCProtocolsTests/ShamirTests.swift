import Algebra
import Testing
@testable import MPCProtocols

@Suite struct ShamirTests {
    @Test(arguments: [(4, 1), (7, 2), (13, 4), (64, 21)])
    func anyTPlusOneSharesReconstruct(n: Int, t: Int) throws {
        var rng = SeededGenerator(seed: [UInt8(n), UInt8(t)], domain: "test.shamir")
        for _ in 0..<20 {
            let secret = FieldElement.random(using: &rng)
            let shares = Shamir.share(secret, threshold: t, partyCount: n, using: &rng)
            var parties = Array(1...n)
            parties.shuffle(using: &rng)
            let subset = parties.prefix(t + 1).map { (party: $0, share: shares[$0 - 1]) }
            #expect(try Shamir.reconstruct(subset, threshold: t) == secret)
            #expect(throws: MPCError.self) { try Shamir.reconstruct(Array(subset.prefix(t)), threshold: t) }
        }
    }

    /// t shares of 0 and t shares of 1 have the same distribution: a chi-squared two-sample test on the
    /// joint low bits of the t shares (16 buckets). A leak of the secret would separate them.
    @Test(arguments: [(4, 1), (7, 2)])
    func tSharesRevealNothing(n: Int, t: Int) {
        var rng = SecureRandom()
        let samples = 8000
        let bitsPerShare = 4 / t
        func histogram(_ secret: FieldElement) -> [Int] {
            var counts = [Int](repeating: 0, count: 16)
            for _ in 0..<samples {
                let shares = Shamir.share(secret, threshold: t, partyCount: n, using: &rng)
                var bucket = 0
                for share in shares.prefix(t) { bucket = (bucket << bitsPerShare) | Int(share.value & ((1 << bitsPerShare) - 1)) }
                counts[bucket] += 1
            }
            return counts
        }
        let zero = histogram(.zero)
        let one = histogram(.one)
        var chiSquared = 0.0
        for (a, b) in zip(zero, one) where a + b > 0 {
            chiSquared += Double((a - b) * (a - b)) / Double(a + b)
        }
        // 15 degrees of freedom: P(χ² > 50) ≈ 1e-5.
        #expect(chiSquared < 50, "t shares distinguish the secrets: χ² = \(chiSquared)")
        // Sanity: the test does detect a leak — t + 1 shares of 0 vs 1 reconstruct differently.
        let leaky = Shamir.share(.one, threshold: t, partyCount: n, using: &rng)
        #expect(try! Shamir.reconstruct((1...(t + 1)).map { ($0, leaky[$0 - 1]) }, threshold: t) == .one)
    }
}
