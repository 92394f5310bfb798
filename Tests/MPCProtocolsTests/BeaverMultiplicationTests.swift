import Algebra
import Testing
@testable import MPCProtocols

@Suite struct BeaverMultiplicationTests {
    @Test(arguments: Adversary.allCases)
    func multiplicationIsCorrect(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            var rng = SeededGenerator(seed: [UInt8(n)], domain: "test.multiply")
            let count = 10
            let x = (0..<count).map { _ in FieldElement.random(using: &rng) }
            let y = (0..<count).map { _ in FieldElement.random(using: &rng) }
            let xShares = x.map { Shamir.share($0, threshold: t, partyCount: n, using: &rng) }
            let yShares = y.map { Shamir.share($0, threshold: t, partyCount: n, using: &rng) }
            let fake = x.map { Shamir.share($0 + .one, threshold: t, partyCount: n, using: &rng) }
            // Triples from the honest-only protocol (all parties honest while preprocessing).
            let triples = try await runParties(n: n, t: t, adversary: .allHonest) { context, _ in
                try await BeaverTriples.generate(
                    count: count, prss: try dealtPRSS(party: context.partyID, n: n, t: t), context: context, session: SessionID(4)
                )
            }
            let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, isCorrupt in
                let me = context.partyID
                let mine = (isCorrupt && adversary == .differentValue ? fake : xShares).map { $0[me - 1] }
                let product = try await BeaverMultiplication.multiply(
                    mine, yShares.map { $0[me - 1] }, triples: triples[me]!, context: context, session: SessionID(5)
                )
                #expect(context.meter.rounds == 1)
                return product
            }
            let honest = outputs.keys.sorted()
            for k in 0..<count {
                let shares = honest.map { (party: $0, share: outputs[$0]![k]) }
                #expect(try Shamir.reconstruct(shares, threshold: t) == x[k] * y[k], "(\(n),\(t)) \(adversary)")
                // Honest shares agree: all lie on one degree-t polynomial.
                #expect(try RobustOpen.decode(
                    columns: (1...n).map { outputs[$0].map { [$0[k]] } }, degree: t, threshold: t, count: 1
                ) == [x[k] * y[k]])
            }
        }
    }
}
