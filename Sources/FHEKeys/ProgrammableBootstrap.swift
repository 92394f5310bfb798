import Algebra

/// Programmable bootstrapping: modulus switch to 2N, blind rotation (CMux with NTT external products),
/// sample extraction (Chillotti et al., TFHE, JoC 2020, §4).
extension BootstrappingKey {
    /// Lookup table over the plaintext space (message + carry, no padding bit), values taken mod 2^(bits).
    public func testVector(_ table: [UInt64]) -> [FieldElement] { Self.testVector(table, parameters: parameters) }

    static func testVector(_ table: [UInt64], parameters: FHEParameters) -> [FieldElement] {
        let N = parameters.polynomialSize
        let box = N / Int(parameters.plaintextModulus)
        return (0..<N).map { Encoding.encode(table[min($0 / box, table.count - 1)], parameters) }
    }

    /// PBS: LWE under s (encrypting m) → LWE under the extracted key S encrypting table[m].
    /// Each CMux computes acc += GGSW(s_i) ⊡ (X^(ã_i)·acc − acc); the rotation, subtraction and gadget
    /// decomposition are fused into one pass, and all scratch buffers are allocated once per bootstrap.
    public func bootstrap(_ input: LWECiphertext, table: [UInt64]) -> LWECiphertext {
        let k = parameters.glweDimension, N = parameters.polynomialSize, levels = parameters.pbsLevels
        let baseLog = parameters.pbsBaseLog
        let logTwoN = N.trailingZeroBitCount + 1
        var acc = Self.initialAccumulator(body: input.body, table: table, parameters: parameters)
        var digitPolys = [FieldElement](repeating: .zero, count: (k + 1) * levels * N)
        var out = [FieldElement](repeating: .zero, count: (k + 1) * N)
        acc.withUnsafeMutableBufferPointer { acc in
        digitPolys.withUnsafeMutableBufferPointer { digitPolys in
        out.withUnsafeMutableBufferPointer { out in
        ntt.withUnsafeBufferPointer { key in
            let accBase = acc.baseAddress!, digitBase = digitPolys.baseAddress!, outBase = out.baseAddress!
            for i in 0..<input.mask.count {
                let a = Int(Arithmetic.roundScaleFast(input.mask[i].value, bits: logTwoN))
                if a == 0 { continue }
                for c in 0...k {
                    BlindRotationKernels.rotateSubtractDecompose(
                        accBase + c * N, by: a, size: N, baseLog: baseLog, levels: levels,
                        into: digitBase + c * levels * N)
                }
                externalProductCore(key: key.baseAddress!, keyIndex: i, digitPolys: digitBase, output: outBase,
                                    prefetchKeyIndex: i + 1 < input.mask.count ? i + 1 : nil)
                BlindRotationKernels.addAssign(accBase, outBase, count: (k + 1) * N)
            }
        }}}}
        return Self.sampleExtract(acc, glweDimension: k, polynomialSize: N)
    }

    /// The blind rotation's starting GLWE (zero mask): the test vector of `table` rotated by −(b̃ + box/2), where
    /// b̃ is the body switched to 2N; shared by the classic and the multi-bit blind rotation.
    static func initialAccumulator(body: FieldElement, table: [UInt64], parameters: FHEParameters) -> [FieldElement] {
        let k = parameters.glweDimension, N = parameters.polynomialSize, twoN = 2 * N
        let box = N / Int(parameters.plaintextModulus)
        let vector = testVector(table, parameters: parameters)
        let bTilde = Int(Arithmetic.roundScaleFast(body.value, bits: N.trailingZeroBitCount + 1))
        let start = (twoN - (bTilde + box / 2) % twoN) % twoN
        var acc = [FieldElement](repeating: .zero, count: (k + 1) * N)
        acc.withUnsafeMutableBufferPointer { accBuffer in
            vector.withUnsafeBufferPointer { v in
                rotate(v.baseAddress!, by: start, into: accBuffer.baseAddress! + k * N, size: N)
            }
        }
        return acc
    }

    /// dst = X^shift · src in Z_p[X]/(X^N + 1), 0 ≤ shift < 2N.
    @inline(__always)
    static func rotate(_ src: UnsafePointer<FieldElement>, by shift: Int, into dst: UnsafeMutablePointer<FieldElement>, size N: Int) {
        for i in 0..<N {
            let target = i + shift
            let wrapped = target % (2 * N)
            if wrapped < N { dst[wrapped] = src[i] } else { dst[wrapped - N] = -src[i] }
        }
    }
    @inline(__always)
    static func rotate(_ src: UnsafeMutablePointer<FieldElement>, by shift: Int, into dst: UnsafeMutablePointer<FieldElement>, size N: Int) {
        rotate(UnsafePointer(src), by: shift, into: dst, size: N)
    }

    /// Constant coefficient of a GLWE as an LWE under the extracted key: a'_0 = A_0, a'_t = −A_{N−t}.
    static func sampleExtract(_ glwe: [FieldElement], glweDimension k: Int, polynomialSize N: Int) -> LWECiphertext {
        var mask = [FieldElement](repeating: .zero, count: k * N)
        for c in 0..<k {
            mask[c * N] = glwe[c * N]
            for t in 1..<N { mask[c * N + t] = -glwe[c * N + N - t] }
        }
        return LWECiphertext(mask: mask, body: glwe[k * N])
    }
}
