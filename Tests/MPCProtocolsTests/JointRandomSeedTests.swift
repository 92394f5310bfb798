import Algebra
import Testing
@testable import MPCProtocols

@Suite struct JointRandomSeedTests {
    @Test(arguments: Adversary.allCases)
    func jointSeedIsAgreed(adversary: Adversary) async throws {
        for (n, t) in settings + [(13, 4)] {
            let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, isCorrupt in
                let prss = try dealtPRSS(party: context.partyID, n: n, t: t, wrong: isCorrupt && adversary == .differentValue)
                let seed = try await JointRandomSeed.generate(prss: prss, context: context, session: SessionID(13))
                #expect(context.meter.rounds == 1)
                return seed
            }
            #expect(outputs.count == n - adversary.corruptParties(n: n, t: t).count)
            #expect(Set(outputs.values).count == 1, "(\(n),\(t)) \(adversary): honest parties disagree")
            #expect(outputs.values.first?.count == 32)
        }
    }

    @Test func jointSeedIsTheOpenedPRSSValue() async throws {
        let (n, t) = (4, 1)
        let outputs = try await runParties(n: n, t: t, adversary: .garbage) { context, _ in
            try await JointRandomSeed.generate(prss: try dealtPRSS(party: context.partyID, n: n, t: t), context: context, session: SessionID(14))
        }
        let parties = try (1...n).map { try dealtPRSS(party: $0, n: n, t: t) }
        let values = try #require(exactDecode(parties.map { $0.randomShares(count: 4, session: SessionID(14).child(1)) }, degree: t))
        #expect(Set(outputs.values) == [SHA3_256.hash(FieldCoding.encode(values))])
    }
}
