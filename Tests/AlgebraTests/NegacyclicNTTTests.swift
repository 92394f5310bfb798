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

    /// The AVX2 kernels (when this CPU has them) give exactly the portable transforms, on random inputs, on
    /// inputs crowded at the top of the field where the lazy corrections carry and borrow, and on zeros.
    @Test(arguments: [8, 16, 512, 2048, 1 << 14])
    func vectorisedTransformsMatchPortable(size: Int) throws {
        let ntt = NegacyclicNTT(size: size)
        var rng = SeededGenerator(seed: [UInt8(size.trailingZeroBitCount)], domain: "test.ntt.avx2")
        for round in 0..<20 {
            let input = (0..<size).map { _ -> FieldElement in
                switch round % 3 {
                case 0: FieldElement.random(using: &rng)
                case 1: FieldElement(FieldElement.modulus &- 1 &- rng.next() % 4)
                default: rng.next() % 2 == 0 ? .zero : FieldElement(rng.next() % 3)  // zeros and tiny values
                }
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
            // Without the 1/N: N times the scaled inverse, on both paths.
            var portableUnscaled = input
            portableUnscaled.withUnsafeMutableBufferPointer { ntt.inversePortable($0, scaled: false) }
            #expect(portableUnscaled == portableInverse.map { $0 * FieldElement(UInt64(size)) })
            var vectorisedUnscaled = input
            _ = vectorisedUnscaled.withUnsafeMutableBufferPointer { ntt.inverseVectorised($0, scaled: false) }
            if ran { #expect(vectorisedUnscaled == portableUnscaled) }
        }
    }

    /// The shift tables the AVX2 kernels use name exactly the twiddles that are ±2^e with e < 64. Every root of
    /// unity of order dividing 64 is ±2^e with e < 96 (2 has order 192); those with e ≥ 64 take the general path.
    @Test(arguments: [8, 64, 2048])
    func twiddleShiftTablesAreExact(size: Int) {
        let ntt = NegacyclicNTT(size: size)
        func isPlusOrMinusPowerOfTwo(_ value: FieldElement, _ exponents: Range<Int>) -> Bool {
            exponents.contains { e in
                let power = FieldElement(UInt64(1) << UInt64(e % 64)) * (e >= 64 ? FieldElement(1 << 32) * FieldElement(1 << 32) : .one)
                return value == power || value == -power
            }
        }
        for (twiddles, shifts) in [(ntt.twiddles, ntt.twiddleShifts), (ntt.inverseTwiddles, ntt.inverseTwiddleShifts)] {
            #expect(shifts.count == min(size, 64))
            for (index, shift) in shifts.enumerated() {
                let order = index == 0 ? 1 : 4 << (Int.bitWidth - 1 - index.leadingZeroBitCount)  // of ψ^bitrev(i)
                if shift >= 0 {
                    let power = FieldElement(UInt64(1) << UInt64(shift & 63))
                    #expect(twiddles[index] == (shift >= 64 ? -power : power), "index \(index)")
                } else {
                    #expect(!isPlusOrMinusPowerOfTwo(twiddles[index], 0..<64), "index \(index)")
                    if order <= 64 { #expect(isPlusOrMinusPowerOfTwo(twiddles[index], 64..<96), "index \(index)") }
                }
            }
            let cheap = shifts.prefix(32).filter { $0 >= 0 }.count
            #expect(cheap >= min(size, 32) / 2, "\(cheap) of the first twiddles are shifts")
        }
    }
}
