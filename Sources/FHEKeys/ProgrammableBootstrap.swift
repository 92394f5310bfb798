import Algebra

/// Programmable bootstrapping: modulus switch to 2N, blind rotation (CMux with NTT external products),
/// sample extraction (Chillotti et al., TFHE, JoC 2020, §4).
extension BootstrappingKey {
    /// Lookup table over the plaintext space (message + carry, no padding bit), values taken mod 2^(bits).
    public func testVector(_ table: [UInt64]) -> [FieldElement] {
        let N = parameters.polynomialSize
        let box = N / Int(parameters.plaintextModulus)
        return (0..<N).map { Encoding.encode(table[min($0 / box, table.count - 1)], parameters) }
    }

    /// PBS: LWE under s (encrypting m) → LWE under the extracted key S encrypting table[m].
    public func bootstrap(_ input: LWECiphertext, table: [UInt64]) -> LWECiphertext {
        let k = parameters.glweDimension, N = parameters.polynomialSize, levels = parameters.pbsLevels
        let logTwoN = N.trailingZeroBitCount + 1
        let twoN = 2 * N
        let box = N / Int(parameters.plaintextModulus)
        let vector = testVector(table)
        let bTilde = Int(Arithmetic.roundScale(input.body.value, bits: logTwoN))
        var acc = [FieldElement](repeating: .zero, count: (k + 1) * N)
        let start = (twoN - (bTilde + box / 2) % twoN) % twoN
        acc.withUnsafeMutableBufferPointer { accBuffer in
            vector.withUnsafeBufferPointer { v in
                Self.rotate(v.baseAddress!, by: start, into: accBuffer.baseAddress! + k * N, size: N)
            }
        }
        var diff = [FieldElement](repeating: .zero, count: (k + 1) * N)
        var digitPolys = [FieldElement](repeating: .zero, count: (k + 1) * levels * N)
        var out = [FieldElement](repeating: .zero, count: (k + 1) * N)
        var digits = [Int64](repeating: 0, count: levels)
        let rows = (k + 1) * levels
        let transform = self.transform
        acc.withUnsafeMutableBufferPointer { acc in
        diff.withUnsafeMutableBufferPointer { diff in
        digitPolys.withUnsafeMutableBufferPointer { digitPolys in
        out.withUnsafeMutableBufferPointer { out in
        digits.withUnsafeMutableBufferPointer { digits in
        ntt.withUnsafeBufferPointer { key in
            for i in 0..<input.mask.count {
                let a = Int(Arithmetic.roundScale(input.mask[i].value, bits: logTwoN))
                if a == 0 { continue }
                for c in 0...k {
                    Self.rotate(acc.baseAddress! + c * N, by: a, into: diff.baseAddress! + c * N, size: N)
                    for t in 0..<N {
                        let value = (diff[c * N + t] - acc[c * N + t]).value
                        Arithmetic.decompose(value, baseLog: parameters.pbsBaseLog, levels: levels, into: digits.baseAddress!)
                        for j in 0..<levels { digitPolys[(c * levels + j) * N + t] = Arithmetic.field(digits[j]) }
                    }
                }
                for row in 0..<rows {
                    transform.forward(UnsafeMutableBufferPointer(rebasing: digitPolys[(row * N)..<((row + 1) * N)]))
                }
                for t in 0..<out.count { out[t] = .zero }
                for row in 0..<rows {
                    let keyBase = (i * rows + row) * (k + 1) * N
                    let digitBase = row * N
                    for m in 0...k {
                        let kb = keyBase + m * N, ob = m * N
                        for t in 0..<N { out[ob + t] += digitPolys[digitBase + t] * key[kb + t] }
                    }
                }
                for m in 0...k {
                    transform.inverse(UnsafeMutableBufferPointer(rebasing: out[(m * N)..<((m + 1) * N)]))
                    for t in 0..<N { acc[m * N + t] += out[m * N + t] }
                }
            }
        }}}}}}
        return Self.sampleExtract(acc, glweDimension: k, polynomialSize: N)
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

/// Server key: bootstrapping key + key-switching key. `apply` is the full KS-free PBS followed by KS.
public struct ServerKey: Sendable {
    public let bootstrappingKey: BootstrappingKey
    public let keySwitchingKey: KeySwitchingKey
    public init(bootstrappingKey: BootstrappingKey, keySwitchingKey: KeySwitchingKey) {
        self.bootstrappingKey = bootstrappingKey
        self.keySwitchingKey = keySwitchingKey
    }
    public var parameters: FHEParameters { bootstrappingKey.parameters }

    /// Evaluates table[m] on a ciphertext under the small key; the result is again under the small key.
    public func apply(_ table: [UInt64], to input: LWECiphertext) -> LWECiphertext {
        keySwitchingKey.keySwitch(bootstrappingKey.bootstrap(input, table: table))
    }
    public func apply(_ input: LWECiphertext, _ function: (UInt64) -> UInt64) -> LWECiphertext {
        apply((0..<parameters.plaintextModulus).map(function), to: input)
    }
}
