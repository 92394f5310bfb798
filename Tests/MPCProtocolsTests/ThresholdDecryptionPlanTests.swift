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
        #expect(plan.bitsPerBlock == 8 && plan.triplesPerBlock == 11 && plan.preprocessingTriplesPerBlock == 19)
        #expect(plan.publicDecryptionRounds == 5 && plan.userDecryptionRounds == 4)
        #expect(plan.elementsSentPerBlock == 24)
        #expect(DecryptionMaterial.requirement(blockCount: 32, plan: plan) == (bits: 256, triples: 352))
        #expect(plan.outputBound == 4 * plan.maskBound + 16)
    }

    /// The masks hide the integer's high part, the message bits and the borrow to 2^−40 in all, and their subset
    /// terms fit PRSS-mask's bound.
    @Test func maskBoundGivesFortyBits() throws {
        for parameters in FHEParameters.all {
            let plan = try ThresholdDecryptionPlan(parameters: parameters, partyCount: 4, threshold: 1)
            let width = 2 * plan.maskBound + 1
            #expect(width >= UInt64(parameters.lweDimension + 17) << 40)
            #expect(width < UInt64(parameters.lweDimension + 18) << 40)
            #expect(plan.maskBound < 1 << 62)
        }
    }

    /// The output y is read as a signed integer: its bound stays below p/4 up to (16, 5), and a party set whose
    /// PRSS subsets would make the mask wider is refused.
    @Test func outputBoundStaysBelowHalfThePrime() throws {
        for (n, t) in [(4, 1), (7, 2), (13, 4), (16, 5)] {
            let plan = try ThresholdDecryptionPlan(parameters: .production, partyCount: n, threshold: t)
            #expect(plan.outputBound < ThresholdDecryptionPlan.outputLimit)
        }
        #expect(throws: MPCError.self) { try ThresholdDecryptionPlan(parameters: .production, partyCount: 19, threshold: 6) }
    }

    /// Messages from outputs y = message + 16·q for q over the whole range, negative ones included; a value beyond
    /// the bound is refused.
    @Test func messageOfSignedOutputs() throws {
        let plan = try ThresholdDecryptionPlan(parameters: .production, partyCount: 4, threshold: 1)
        var random = SeededGenerator(seed: [1], domain: "signed-outputs")
        let quotientBound = Int64((plan.outputBound - 16) / 16)
        for _ in 0..<2_000 {
            let message = Int64(random.next() % 16)
            let quotient = Int64.random(in: -quotientBound...quotientBound, using: &random)
            let y = message + 16 * quotient
            let element = y >= 0 ? FieldElement(UInt64(y)) : .zero - FieldElement(UInt64(-y))
            #expect(ThresholdDecryption.message(of: element, bound: plan.outputBound, plaintextModulus: 16) == UInt64(message))
        }
        #expect(ThresholdDecryption.message(of: FieldElement(plan.outputBound + 1), bound: plan.outputBound, plaintextModulus: 16) == nil)
        #expect(ThresholdDecryption.message(of: .zero - FieldElement(plan.outputBound + 1), bound: plan.outputBound, plaintextModulus: 16) == nil)
        #expect(ThresholdDecryption.message(of: .zero - FieldElement(1), bound: plan.outputBound, plaintextModulus: 16) == 15)
    }

    @Test func invalidPlansAreRefused() {
        #expect(throws: MPCError.self) { try ThresholdDecryptionPlan(parameters: .production, partyCount: 3, threshold: 1) }
        #expect(throws: MPCError.self) { try ThresholdDecryptionPlan(parameters: .production, partyCount: 4, threshold: 1, switchBits: 6) }
        #expect(throws: MPCError.self) { try ThresholdDecryptionPlan(parameters: .production, partyCount: 4, threshold: 1, switchBits: 32) }
    }
}
