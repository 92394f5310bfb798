/// Field operations beyond the ring ones: batch inversion (Montgomery's trick) and square roots
/// (Tonelli–Shanks, needed by the random-bit protocol's square-root trick).
extension FieldElement {
    /// Inverts every element with one field inversion and 3(n−1) multiplications (Montgomery's trick).
    /// Zero has no inverse and maps to zero.
    public static func batchInverse(_ values: [FieldElement]) -> [FieldElement] {
        var prefix = [FieldElement](repeating: .one, count: values.count)
        var running = FieldElement.one
        for (index, value) in values.enumerated() {
            prefix[index] = running
            if value.value != 0 { running *= value }
        }
        var inverseRunning = running.inverse()!  // product of non-zero elements is non-zero
        var result = [FieldElement](repeating: .zero, count: values.count)
        for index in stride(from: values.count - 1, through: 0, by: -1) {
            let value = values[index]
            if value.value == 0 { continue }
            result[index] = inverseRunning * prefix[index]
            inverseRunning *= value
        }
        return result
    }

    /// Whether self is a square (Euler's criterion); zero counts as a square.
    public var isSquare: Bool {
        value == 0 || power((Self.modulus - 1) / 2) == .one
    }

    /// A square root, or nil if self is not a square. Tonelli–Shanks with p − 1 = 2^32 · (2^32 − 1).
    /// Of the two roots ±r the one returned is not specified; callers that need a canonical root pick one.
    public func squareRoot() -> FieldElement? {
        if value == 0 { return .zero }
        // Tonelli–Shanks with p − 1 = 2^32·q. One exponentiation gives w = x^((q−1)/2), hence r = x^((q+1)/2)
        // and t = x^q; the Legendre test is folded into the first search (x is a square iff t^(2^31) = 1).
        let oddPart: UInt64 = 0xFFFF_FFFF  // q = (p − 1) / 2^32
        let w = power((oddPart - 1) / 2)
        var r = w * self
        var t = w * r
        var m = 32
        var c = Self.twoAdicRootOfUnity
        while t != .one {
            // The least i with t^(2^i) = 1; i = m means t has order 2^32 on the first pass: not a square.
            var i = 0
            var probe = t
            while probe != .one {
                probe *= probe
                i += 1
                if i == m { return nil }
            }
            var b = c
            for _ in 0..<(m - i - 1) { b *= b }
            m = i
            c = b * b
            t *= c
            r *= b
        }
        return r
    }

    /// g^q for the generator g = 7: a primitive 2^32-th root of unity (the start of Tonelli–Shanks).
    @usableFromInline static let twoAdicRootOfUnity = multiplicativeGenerator.power(0xFFFF_FFFF)
}
