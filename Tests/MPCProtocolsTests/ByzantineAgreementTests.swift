import Algebra
import Testing
@testable import MPCProtocols

@Suite struct ByzantineAgreementTests {
    @Test(arguments: Adversary.allCases)
    func byzantineAgreementAgreesAndIsValid(adversary: Adversary) async throws {
        for (n, t) in settings + [(13, 4)] {
            for inputs in [[Bool](repeating: true, count: n), [Bool](repeating: false, count: n), (0..<n).map { $0 % 2 == 0 }] {
                let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, isCorrupt in
                    try await ByzantineAgreement.agree(isCorrupt ? !inputs[context.partyID - 1] : inputs[context.partyID - 1],
                                                       context: context, session: SessionID(30))
                }
                #expect(Set(outputs.values).count == 1, "(\(n),\(t)) \(adversary) \(inputs): honest disagree")
                let honestInputs = Set(outputs.keys.map { inputs[$0 - 1] })
                if honestInputs.count == 1 { #expect(outputs.values.first == honestInputs.first, "validity") }
            }
        }
    }

    /// Beaver multiplication of secret-shared inputs is robust: corrupt parties' wrong shares are corrected.
}
