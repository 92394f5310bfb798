import Algebra
import Testing
@testable import MPCProtocols

@Suite struct ThresholdDecryptionCircuitTests {
    /// β = [c mod 2^L < r mod 2^L] and γ = [c < r] for every public c of 7 bits against random shared r, at
    /// several splits L, over the in-memory network at (4,1) and (7,2) — the circuit's structure (tree shapes,
    /// the level order, the triples' order) against plain comparison.
    @Test(arguments: [[7, 1], [7, 3], [7, 6], [10, 6], [12, 8]])
    func borrowsMatchPlainComparison(shape: [Int]) async throws {
        let (m, low) = (shape[0], shape[1])
        let circuit = ThresholdDecryptionCircuit(workingBits: m, lowBits: low)
        for (n, t) in settings {
            var random = SeededGenerator(seed: [UInt8(m), UInt8(low), UInt8(n)], domain: "borrow-circuit")
            // Every 7-bit c (wider shapes: random c), each against a random r.
            let blocks = 128
            let cs: [UInt64] = (0..<blocks).map { m == 7 ? UInt64($0) : random.next() & ((1 << UInt64(m)) - 1) }
            let rs: [UInt64] = (0..<blocks).map { _ in random.next() & ((1 << UInt64(m)) - 1) }
            var bitShares = [[FieldElement]](repeating: [], count: n)
            for block in 0..<blocks {
                for j in 0..<m {
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
                let (beta, gamma) = try await circuit.borrows(
                    publicValues: cs, bits: bitShares[context.partyID - 1], triples: triples[context.partyID]![...],
                    context: context, session: SessionID(91)
                )
                return (beta, gamma, context.meter.rounds - meterBefore)
            }
            let lowMask: UInt64 = (1 << UInt64(low)) - 1
            for block in 0..<blocks {
                let beta = try RobustOpen.decode(columns: (1...n).map { outputs[$0].map { [$0.0[block]] } }, degree: t, threshold: t, count: 1)[0]
                let gamma = try RobustOpen.decode(columns: (1...n).map { outputs[$0].map { [$0.1[block]] } }, degree: t, threshold: t, count: 1)[0]
                #expect(beta == ((cs[block] & lowMask) < (rs[block] & lowMask) ? .one : .zero), "c \(cs[block]) r \(rs[block])")
                #expect(gamma == (cs[block] < rs[block] ? .one : .zero), "c \(cs[block]) r \(rs[block])")
            }
            for (_, output) in outputs { #expect(output.2 == circuit.depth) }
        }
    }

    /// Multiplications and depth of the circuits the plans use (docs/DECRYPTION.md's table).
    @Test func costsOfThePlansCircuits() {
        let production = ThresholdDecryptionCircuit(workingBits: 12, lowBits: 8)
        #expect(production.multiplications == 18 && production.depth == 4)
        let test = ThresholdDecryptionCircuit(workingBits: 10, lowBits: 6)
        #expect(test.multiplications == 15 && test.depth == 4)
        // Every level only uses nodes of earlier levels.
        for circuit in [production, test] {
            var available = circuit.workingBits
            for level in circuit.levels {
                #expect(level.allSatisfy { $0.high < available && $0.low < available })
                available += level.count
            }
            #expect(circuit.lowBorrowNode < available && circuit.fullBorrowNode == available - 1)
        }
    }
}
