import Testing
@testable import Algebra

/// Schoolbook product mod X^N + 1, the definition the NTT must agree with.
private func schoolbookNegacyclic(_ a: [FieldElement], _ b: [FieldElement]) -> [FieldElement] {
    let n = a.count
    var result = [FieldElement](repeating: .zero, count: n)
    for i in 0..<n {
        for j in 0..<n {
            let product = a[i] * b[j]
            if i + j < n { result[i + j] += product } else { result[i + j - n] -= product }
        }
    }
    return result
}

@Suite struct NegacyclicNTTTests {
    @Test(arguments: [2, 4, 16, 64, 256])
    func productMatchesSchoolbook(size: Int) {
        var rng = SeededGenerator(seed: [UInt8(size & 0xFF)], domain: "test.ntt")
        let ntt = NegacyclicNTT(size: size)
        for _ in 0..<5 {
            let a = (0..<size).map { _ in FieldElement.random(using: &rng) }
            let b = (0..<size).map { _ in FieldElement.random(using: &rng) }
            #expect(ntt.multiply(a, b) == schoolbookNegacyclic(a, b))
        }
    }

    @Test(arguments: [2048, 1 << 16])
    func inverseUndoesForward(size: Int) {
        var rng = SeededGenerator(seed: [7], domain: "test.ntt.roundtrip")
        let ntt = NegacyclicNTT(size: size)
        let original = (0..<size).map { _ in FieldElement.random(using: &rng) }
        var values = original
        ntt.forward(&values)
        #expect(values != original)
        ntt.inverse(&values)
        #expect(values == original)
    }

    @Test func multiplyingByXRotatesNegacyclically() {
        let size = 2048
        let ntt = NegacyclicNTT(size: size)
        var rng = SeededGenerator(seed: [3], domain: "test.ntt.x")
        let a = (0..<size).map { _ in FieldElement.random(using: &rng) }
        var x = [FieldElement](repeating: .zero, count: size)
        x[1] = .one
        let product = ntt.multiply(a, x)
        #expect(product[0] == -a[size - 1])
        #expect(Array(product[1...]) == Array(a[..<(size - 1)]))
    }
}
