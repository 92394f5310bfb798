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

    /// The AVX2 kernels (when this CPU has them) give exactly the portable transforms, on random inputs and on
    /// inputs crowded at the top of the field where the lazy corrections carry and borrow.
    @Test(arguments: [8, 16, 512, 2048, 1 << 14])
    func vectorisedTransformsMatchPortable(size: Int) throws {
        let ntt = NegacyclicNTT(size: size)
        var rng = SeededGenerator(seed: [UInt8(size.trailingZeroBitCount)], domain: "test.ntt.avx2")
        for round in 0..<20 {
            let input = (0..<size).map { _ -> FieldElement in
                round % 2 == 0 ? FieldElement.random(using: &rng)
                    : FieldElement(FieldElement.modulus &- 1 &- rng.next() % 4)
            }
            var portable = input
            portable.withUnsafeMutableBufferPointer { ntt.forwardPortable($0) }
            var vectorised = input
            let ran = vectorised.withUnsafeMutableBufferPointer { ntt.forwardVectorised($0) }
            #expect(ran == goldilocksHasAVX2)
            if ran { #expect(vectorised == portable) }
            var portableInverse = input
            portableInverse.withUnsafeMutableBufferPointer { ntt.inversePortable($0) }
            var vectorisedInverse = input
            _ = vectorisedInverse.withUnsafeMutableBufferPointer { ntt.inverseVectorised($0) }
            if ran { #expect(vectorisedInverse == portableInverse) }
        }
    }
}
