import Algebra
import Testing
@testable import MPCProtocols

@Suite struct PreprocessingPoolTests {
    @Test(arguments: Adversary.allCases)
    func poolHandsOutMatchingTriplesAndBits(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, isCorrupt in
                let prss = try dealtPRSS(party: context.partyID, n: n, t: t, wrong: isCorrupt && adversary == .differentValue)
                let pool = PreprocessingPool(
                    prss: prss, context: context, session: SessionID(20),
                    batchTriples: 8, batchBits: 4
                )
                await pool.startBackgroundFill(targetTriples: 8, targetBits: 4)
                let triples = try await pool.takeTriples(20)  // more than one batch
                let bits = try await pool.takeBits(6)
                await pool.stop()
                let left = (await pool.availableTriples, await pool.availableBits)
                #expect(left == (0, 0), "stop wipes what is left")
                #expect(await pool.batchesProduced >= 3)
                if adversary == .garbage && !isCorrupt {
                    #expect(await pool.excluded == Set(adversary.corruptParties(n: n, t: t)), "cheaters caught once, then excluded")
                }
                return (triples, bits)
            }
            let honest = outputs.keys.sorted()
            #expect(honest.count == n - adversary.corruptParties(n: n, t: t).count)
            for k in 0..<20 {
                func open(_ component: (BeaverTriple) -> FieldElement) throws -> FieldElement {
                    try Shamir.reconstruct(honest.map { ($0, component(outputs[$0]!.0[k])) }, threshold: t)
                }
                #expect(try open(\.a) * open(\.b) == open(\.c))
            }
            for k in 0..<6 {
                let bit = try Shamir.reconstruct(honest.map { ($0, outputs[$0]!.1[k]) }, threshold: t)
                #expect(bit == .zero || bit == .one)
            }
        }
    }
}
