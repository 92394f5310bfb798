import Testing
@testable import Algebra

/// Reference arithmetic on 128-bit products, independent of the Goldilocks reduction.
private func referenceMultiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let (high, low) = a.multipliedFullWidth(by: b)
    return FieldElement.modulus.dividingFullWidth((high: high % FieldElement.modulus, low: low)).remainder
}

@Suite struct FieldElementTests {
    @Test func arithmeticMatchesReferenceOnRandomInputs() {
        var rng = SeededGenerator(seed: [1, 2, 3], domain: "test.field")
        let p = FieldElement.modulus
        for _ in 0..<20_000 {
            let a = FieldElement.random(using: &rng)
            let b = FieldElement.random(using: &rng)
            #expect((a * b).value == referenceMultiply(a.value, b.value))
            let sum = a.value.addingReportingOverflow(b.value)
            let expectedSum = sum.overflow || sum.partialValue >= p ? sum.partialValue &- p : sum.partialValue
            #expect((a + b).value == expectedSum)
            #expect((a - b) + b == a)
            #expect(a + (-a) == .zero)
        }
    }

    @Test func edgeValuesReduce() {
        let pMinusOne = FieldElement(FieldElement.modulus - 1)
        #expect(pMinusOne * pMinusOne == .one)
        #expect(FieldElement(FieldElement.modulus) == .zero)
        #expect(FieldElement(UInt64.max).value == UInt64.max - FieldElement.modulus)
        #expect((pMinusOne + pMinusOne).value == FieldElement.modulus - 2)
        #expect(FieldElement.zero - .one == pMinusOne)
    }

    @Test func inverseOfRandomElements() {
        var rng = SeededGenerator(seed: [9], domain: "test.inverse")
        #expect(FieldElement.zero.inverse() == nil)
        for _ in 0..<500 {
            let a = FieldElement.random(using: &rng)
            guard let inverse = a.inverse() else { #expect(a == .zero); continue }
            #expect(a * inverse == .one)
        }
    }

    @Test func rootsOfUnityHaveExactOrder() {
        for k in [1, 5, 12, 17, 32] {
            let root = FieldElement.rootOfUnity(log2Order: k)
            #expect(root.power(1 << UInt64(k)) == .one)
            #expect(root.power(1 << UInt64(k - 1)) == -FieldElement.one)
        }
    }
}
