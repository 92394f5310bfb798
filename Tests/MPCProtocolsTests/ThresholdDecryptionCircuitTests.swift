import Algebra
import Testing
@testable import MPCProtocols

@Suite struct ThresholdDecryptionCircuitTests {
    /// β = [c mod 2^L < r] for public c against random shared L-bit r (every c mod 2^L for L ≤ 7, with random
    /// high bits c must ignore; random c for wider L), over the in-memory network at (4,1) and (7,2) — the
    /// circuit's structure (tree shape, the level order, the triples' order) against plain comparison.
    @Test(arguments: [1, 2, 3, 6, 7, 8])
    func borrowMatchesPlainComparison(low: Int) async throws {
        let circuit = ThresholdDecryptionCircuit(bits: low)
        for (n, t) in settings {
            var random = SeededGenerator(seed: [UInt8(low), UInt8(n)], domain: "borrow-circuit")
            let blocks = 128
            let lowMask: UInt64 = (1 << UInt64(low)) - 1
            let cs: [UInt64] = (0..<blocks).map { block in
                let high = random.next() & ~lowMask & 0xfff
                return high | (low <= 7 ? UInt64(block) & lowMask : random.next() & lowMask)
            }
            let rs: [UInt64] = (0..<blocks).map { _ in random.next() & lowMask }
            var bitShares = [[FieldElement]](repeating: [], count: n)
            for block in 0..<blocks {
                for j in 0..<low {
                    let shares = Shamir.share(FieldElement((rs[block] >> UInt64(j)) & 1), threshold: t, partyCount: n, using: &random)
                    for party in 0..<n { bitShares[party].append(shares[party]) }
                }
            }
            let triples = try await runParties(n: n, t: t, adversary: .allHonest) { context, _ in
                try await BeaverTriples.generate(
                    count: blocks * circuit.multiplications, prss: try dealtPRSS(party: context.partyID, n: n, t: t),
                    context: context, session: SessionID(90)
                )
            }
            let outputs = try await runParties(n: n, t: t, adversary: .allHonest) { [bitShares] context, _ in
                let meterBefore = context.meter.rounds
                let beta = try await circuit.borrow(
                    publicValues: cs, bits: bitShares[context.partyID - 1], triples: triples[context.partyID]![...],
                    context: context, session: SessionID(91)
                )
                return (beta, context.meter.rounds - meterBefore)
            }
            for block in 0..<blocks {
                let beta = try RobustOpen.decode(columns: (1...n).map { outputs[$0].map { [$0.0[block]] } }, degree: t, threshold: t, count: 1)[0]
                #expect(beta == ((cs[block] & lowMask) < rs[block] ? .one : .zero), "c \(cs[block]) r \(rs[block])")
            }
            for (_, output) in outputs { #expect(output.1 == circuit.depth) }
        }
    }

    /// Multiplications and depth of the circuits the plans use (docs/DECRYPTION.md's table).
    @Test func costsOfThePlansCircuits() {
        let production = ThresholdDecryptionCircuit(bits: 8)
        #expect(production.multiplications == 11 && production.depth == 3)
        let test = ThresholdDecryptionCircuit(bits: 6)
        #expect(test.multiplications == 8 && test.depth == 3)
        let single = ThresholdDecryptionCircuit(bits: 1)
        #expect(single.multiplications == 0 && single.depth == 0 && single.borrowNode == 0)
        // Every level only uses nodes of earlier levels; β is the last node.
        for circuit in [production, test] {
            var available = circuit.bits
            for level in circuit.levels {
                #expect(level.allSatisfy { $0.high < available && $0.low < available })
                available += level.count
            }
            #expect(circuit.borrowNode == available - 1)
        }
    }
}
