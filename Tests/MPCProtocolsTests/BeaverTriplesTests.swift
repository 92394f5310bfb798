import Algebra
import Testing
@testable import MPCProtocols

@Suite struct BeaverTriplesTests {
    /// Triples are always produced and correct (c = ab on opening), whatever t corrupt parties do: wrong shares
    /// lead to agreement on a dispute, exclusion of the cheaters and a redone batch.
    @Test(arguments: Adversary.allCases)
    func triplesAreCorrectUnderAdversary(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            let count = n == 13 ? 3 : 12
            let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, isCorrupt in
                let prss = try dealtPRSS(party: context.partyID, n: n, t: t, wrong: isCorrupt && adversary == .differentValue)
                let triples = try await BeaverTriples.generate(count: count, prss: prss, context: context, session: SessionID(3))
                if adversary == .allHonest {
                    #expect(context.meter.rounds == 3 * t + 6)
                    #expect(context.meter.bytesSent >= (n - 1) * count * 8)
                }
                return triples
            }
            let honest = outputs.keys.sorted()
            #expect(honest.count == n - adversary.corruptParties(n: n, t: t).count, "(\(n),\(t)) \(adversary)")
            for k in 0..<count {
                func open(_ component: (BeaverTriple) -> FieldElement) throws -> FieldElement {
                    // All honest shares must lie on one degree-t polynomial (checked by exact decoding).
                    try RobustOpen.decode(
                        columns: (1...n).map { outputs[$0].map { [component($0[k])] } }, degree: t, threshold: t, count: 1
                    )[0]
                }
                let a = try open(\.a), b = try open(\.b), c = try open(\.c)
                #expect(a * b == c, "(\(n),\(t)) \(adversary) triple \(k)")
            }
        }
    }
}
