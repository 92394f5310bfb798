import Algebra
import Testing
@testable import MPCProtocols

@Suite struct RandomBitsTests {
    @Test(arguments: Adversary.allCases)
    func bitsAreBitsAndHonestAgree(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            let count = 24
            let triples = try await runParties(n: n, t: t, adversary: .allHonest) { context, _ in
                try await BeaverTriples.generate(
                    count: count, prss: try dealtPRSS(party: context.partyID, n: n, t: t), context: context, session: SessionID(11)
                )
            }
            let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, _ in
                try await RandomBits.generate(
                    count: count, triples: triples[context.partyID]!, prss: try dealtPRSS(party: context.partyID, n: n, t: t),
                    context: context, session: SessionID(12)
                )
            }
            let honest = outputs.keys.sorted()
            #expect(honest.count == n - adversary.corruptParties(n: n, t: t).count)
            let produced = outputs[honest[0]]!.count
            #expect(produced == count)  // r = 0 has probability 1/p
            var ones = 0
            for k in 0..<produced {
                let bit = try RobustOpen.decode(columns: (1...n).map { outputs[$0].map { [$0[k]] } }, degree: t, threshold: t, count: 1)[0]
                #expect(bit == .zero || bit == .one, "(\(n),\(t)) \(adversary)")
                if bit == .one { ones += 1 }
            }
            #expect(ones > 0 && ones < produced, "24 random bits all equal: probability 2^-23")
        }
    }
}
