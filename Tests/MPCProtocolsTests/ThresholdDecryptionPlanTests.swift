import Algebra
import FHEKeys
import Testing
@testable import MPCProtocols

@Suite struct ThresholdDecryptionPlanTests {
    /// The switch width is the smallest with a failure bound ≤ 2^−128 per block: 13 bits for production at every
    /// (n, t) up to (13, 4), 11 for the test set; one bit less fails the bound.
    @Test func switchWidthsAndFailureBounds() throws {
        for (n, t) in [(4, 1), (7, 2), (13, 4)] {
            let production = try ThresholdDecryptionPlan(parameters: .production, partyCount: n, threshold: t)
            #expect(production.switchBits == 13)
            #expect(production.failureLog2 <= -128 && production.failureLog2 > -260)
            let narrower = try ThresholdDecryptionPlan(parameters: .production, partyCount: n, threshold: t, switchBits: 12)
            #expect(narrower.failureLog2 > -128)
            let test = try ThresholdDecryptionPlan(parameters: .insecureTest, partyCount: n, threshold: t)
            #expect(test.switchBits == 11)
            #expect(test.failureLog2 <= -128)
            #expect(try ThresholdDecryptionPlan(parameters: .insecureTest, partyCount: n, threshold: t, switchBits: 10).failureLog2 > -128)
        }
    }

    @Test func costsPerBlock() throws {
        let plan = try ThresholdDecryptionPlan(parameters: .production, partyCount: 4, threshold: 1)
        #expect(plan.workingBits == 12 && plan.lowBits == 8)
        #expect(plan.bitsPerBlock == 12 && plan.triplesPerBlock == 18 && plan.preprocessingTriplesPerBlock == 30)
        #expect(plan.publicDecryptionRounds == 6 && plan.userDecryptionRounds == 5)
        #expect(plan.elementsSentPerBlock == 38)
        #expect(DecryptionMaterial.requirement(blockCount: 32, plan: plan) == (bits: 384, triples: 576))
    }

    /// The mask hides the integer's high part to 2^−40 and its subset terms fit PRSS-mask's bound.
    @Test func maskBoundGivesFortyBits() throws {
        for parameters in FHEParameters.all {
            let plan = try ThresholdDecryptionPlan(parameters: parameters, partyCount: 4, threshold: 1)
            let width = 2 * plan.maskBound + 1
            #expect(width >= UInt64(parameters.lweDimension + 2) << 40)
            #expect(width < UInt64(parameters.lweDimension + 3) << 40)
            #expect(plan.maskBound < 1 << 62)
        }
    }

    @Test func invalidPlansAreRefused() {
        #expect(throws: MPCError.self) { try ThresholdDecryptionPlan(parameters: .production, partyCount: 3, threshold: 1) }
        #expect(throws: MPCError.self) { try ThresholdDecryptionPlan(parameters: .production, partyCount: 4, threshold: 1, switchBits: 6) }
        #expect(throws: MPCError.self) { try ThresholdDecryptionPlan(parameters: .production, partyCount: 4, threshold: 1, switchBits: 32) }
    }
}
