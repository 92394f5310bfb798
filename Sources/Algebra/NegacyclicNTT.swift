/// Number-theoretic transform for products in GF(p)[X]/(X^N + 1), N = 2^k ≤ 2^16 (DESIGN §3.1).
///
/// Forward: Cooley–Tukey butterflies with powers of a primitive 2N-th root ψ folded in (the "twisted"
/// negacyclic transform), output in bit-reversed order. Inverse: Gentleman–Sande butterflies with ψ^−1 and a
/// final scaling by N^−1. A pointwise product between the two is the negacyclic convolution.
public struct NegacyclicNTT: Sendable {
    public let size: Int
    /// ψ^bitreverse(i) for i in 0..<N; entry i is the twiddle of block i − 2^s at stage s.
    @usableFromInline let twiddles: [FieldElement]
    /// (ψ^bitreverse(i))^−1.
    @usableFromInline let inverseTwiddles: [FieldElement]
    @usableFromInline let sizeInverse: FieldElement
    /// inverseTwiddles[1]·N^−1: the last inverse stage's twiddle with the 1/N scaling folded in.
    @usableFromInline let scaledLastInverseTwiddle: FieldElement
    /// For the first min(N, 64) twiddles: e when the twiddle is 2^e, 64 + e when it is −2^e (0 ≤ e < 64), else −1.
    /// Roots of unity of order dividing 64 are ±2^e with e < 96 here (2 has order 192, 2^96 = −1): in the first
    /// five forward stages and the last five inverse ones, the twiddles with e < 64 multiply by shifts (AVX2).
    @usableFromInline let twiddleShifts: [Int8]
    @usableFromInline let inverseTwiddleShifts: [Int8]

    public init(size: Int) {
        precondition(size >= 2 && size <= 1 << 16 && size & (size - 1) == 0, "NTT size must be 2^k, 2 ≤ N ≤ 65536")
        self.size = size
        let logSize = size.trailingZeroBitCount
        let psi = FieldElement.rootOfUnity(log2Order: logSize + 1)
        var powers = [FieldElement](repeating: .one, count: size)
        for i in 1..<size { powers[i] = powers[i - 1] * psi }
        var twiddles = [FieldElement](repeating: .one, count: size)
        var inverseTwiddles = [FieldElement](repeating: .one, count: size)
        let psiInverse = psi.inverse()!
        var inversePowers = [FieldElement](repeating: .one, count: size)
        for i in 1..<size { inversePowers[i] = inversePowers[i - 1] * psiInverse }
        for i in 0..<size {
            let reversed = Self.bitReverse(i, bits: logSize)
            twiddles[i] = powers[reversed]
            inverseTwiddles[i] = inversePowers[reversed]
        }
        self.twiddles = twiddles
        self.inverseTwiddles = inverseTwiddles
        self.sizeInverse = FieldElement(UInt64(size)).inverse()!
        self.scaledLastInverseTwiddle = inverseTwiddles[1] * sizeInverse
        self.twiddleShifts = Self.powerOfTwoShifts(twiddles.prefix(64))
        self.inverseTwiddleShifts = Self.powerOfTwoShifts(inverseTwiddles.prefix(64))
    }

    /// e for 2^e, 64 + e for −2^e (0 ≤ e < 64), −1 for anything else (see `twiddleShifts`).
    static func powerOfTwoShifts(_ values: ArraySlice<FieldElement>) -> [Int8] {
        values.map { value in
            if let e = powersOfTwo.firstIndex(of: value) { return Int8(e) }
            if let e = powersOfTwo.firstIndex(of: -value) { return Int8(64 + e) }
            return -1
        }
    }

    /// 2^e for 0 ≤ e < 64 (all below p, so canonical).
    static let powersOfTwo = (0..<64).map { FieldElement(UInt64(1) << UInt64($0)) }

    static func bitReverse(_ value: Int, bits: Int) -> Int {
        var result = 0
        var v = value
        for _ in 0..<bits {
            result = (result << 1) | (v & 1)
            v >>= 1
        }
        return result
    }

    /// Coefficients → evaluations (bit-reversed order), in place.
    @inlinable
    public func forward(_ values: inout [FieldElement]) {
        precondition(values.count == size, "NTT input has \(values.count) coefficients, expected \(size)")
        values.withUnsafeMutableBufferPointer { forward($0) }
    }

    /// Evaluations → coefficients, in place, including the 1/N scaling.
    @inlinable
    public func inverse(_ values: inout [FieldElement]) {
        precondition(values.count == size, "NTT input has \(values.count) values, expected \(size)")
        values.withUnsafeMutableBufferPointer { inverse($0) }
    }

    /// N times the inverse transform (the 1/N scaling left out), in place: for values already scaled by N^−1,
    /// such as a key stored that way, this is the inverse and saves N/2 products.
    @inlinable
    public func inverseWithoutScaling(_ values: inout [FieldElement]) {
        precondition(values.count == size, "NTT input has \(values.count) values, expected \(size)")
        values.withUnsafeMutableBufferPointer { inverseWithoutScaling($0) }
    }

    /// Forward transform with lazy reduction: between stages values stay in [0, 2^64) rather than [0, p), so
    /// a butterfly's sum and difference need only the carry/borrow correction (±(2^64 − p), which cannot wrap
    /// because the twiddle product is canonical); the last stage also makes every value canonical again.
    @inlinable
    public func forward(_ elements: UnsafeMutableBufferPointer<FieldElement>) {
        if forwardVectorised(elements) { return }
        forwardPortable(elements)
    }

    /// The portable forward transform (and the reference the AVX2 kernel is tested against).
    @inlinable
    func forwardPortable(_ elements: UnsafeMutableBufferPointer<FieldElement>) {
        let epsilon = FieldElement.epsilon
        elements.withMemoryRebound(to: UInt64.self) { a in
            twiddles.withUnsafeBufferPointer { zetas in
                var k = 1
                var length = size >> 1
                while length >= 2 {
                    var start = 0
                    while start < size {
                        let zeta = zetas[k].value
                        k &+= 1
                        for j in start..<(start &+ length) {
                            let (high, low) = a[j &+ length].multipliedFullWidth(by: zeta)
                            let t = FieldElement.reduce(high: high, low: low).value
                            let u = a[j]
                            let (sum, carry) = u.addingReportingOverflow(t)
                            let (difference, borrow) = u.subtractingReportingOverflow(t)
                            a[j] = sum &+ (carry ? epsilon : 0)
                            a[j &+ length] = difference &- (borrow ? epsilon : 0)
                        }
                        start &+= length << 1
                    }
                    length >>= 1
                }
                // Last stage (length 1, twiddles N/2 … N − 1) with the canonical reduction folded in.
                for pair in 0..<(size >> 1) {
                    let zeta = zetas[(size >> 1) &+ pair].value
                    let (high, low) = a[2 &* pair &+ 1].multipliedFullWidth(by: zeta)
                    let t = FieldElement.reduce(high: high, low: low).value
                    let u = a[2 &* pair]
                    let (sum, carry) = u.addingReportingOverflow(t)
                    let (difference, borrow) = u.subtractingReportingOverflow(t)
                    a[2 &* pair] = FieldElement(sum &+ (carry ? epsilon : 0)).value
                    a[2 &* pair &+ 1] = FieldElement(difference &- (borrow ? epsilon : 0)).value
                }
            }
        }
    }

    /// Gentleman–Sande stages on canonical values; the last stage (one block, twiddle ζ = inverseTwiddles[1])
    /// folds in N^−1: a[j] = (u + v)·N^−1 and a[j + N/2] = (ζ·N^−1)·(u − v), which saves a separate scaling pass.
    @inlinable
    public func inverse(_ a: UnsafeMutableBufferPointer<FieldElement>) {
        if inverseVectorised(a) { return }
        inversePortable(a)
    }

    /// N times the inverse transform (see the array form).
    @inlinable
    public func inverseWithoutScaling(_ a: UnsafeMutableBufferPointer<FieldElement>) {
        if inverseVectorised(a, scaled: false) { return }
        inversePortable(a, scaled: false)
    }

    /// The portable inverse transform (and the reference the AVX2 kernel is tested against); `scaled` false
    /// leaves out the 1/N.
    @inlinable
    func inversePortable(_ a: UnsafeMutableBufferPointer<FieldElement>, scaled: Bool = true) {
        inverseTwiddles.withUnsafeBufferPointer { zetas in
            var length = 1
            while length < size >> 1 {
                var k = size / (length << 1)
                var start = 0
                while start < size {
                    let zeta = zetas[k]
                    k &+= 1
                    for j in start..<(start &+ length) {
                        let u = a[j]
                        let v = a[j &+ length]
                        a[j] = u + v
                        a[j &+ length] = zeta * (u - v)
                    }
                    start &+= length << 1
                }
                length <<= 1
            }
            let scale = sizeInverse
            let scaledZeta = scaled ? scaledLastInverseTwiddle : zetas[1]
            for j in 0..<length {
                let u = a[j]
                let v = a[j &+ length]
                a[j] = scaled ? scale * (u + v) : u + v
                a[j &+ length] = scaledZeta * (u - v)
            }
        }
    }

    /// The negacyclic product a·b mod (X^N + 1).
    public func multiply(_ a: [FieldElement], _ b: [FieldElement]) -> [FieldElement] {
        var x = a
        var y = b
        forward(&x)
        forward(&y)
        for i in 0..<size { x[i] = x[i] * y[i] }
        inverse(&x)
        return x
    }
}
