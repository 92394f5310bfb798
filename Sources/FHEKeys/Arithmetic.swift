import Algebra

/// Integer helpers on representatives in [0, p): rounding scale, gadget decomposition, noise sampling.
enum Arithmetic {
    static let p = FieldElement.modulus

    /// round(v · 2^bits / p) mod 2^bits, for 1 ≤ bits ≤ 31 (modulus switching and decoding).
    @inline(__always)
    static func roundScale(_ v: UInt64, bits: Int) -> UInt64 {
        let high = v >> UInt64(64 - bits)
        let low = v << UInt64(bits)
        let (sum, carry) = low.addingReportingOverflow(p >> 1)
        let (quotient, _) = p.dividingFullWidth((high &+ (carry ? 1 : 0), sum))
        return quotient & ((1 << UInt64(bits)) - 1)
    }

    /// round(v · 2^bits / p) mod 2^bits without a division, for 1 ≤ bits ≤ 31 (same result as `roundScale`).
    /// X = v·2^bits + ⌊p/2⌋ < 2^95; q = ⌊X / 2^64⌋ is ⌊X/p⌋ or one less, because X/p − X/2^64 < 2^(bits−32) < 1.
    /// The remainder X − q·p = (X mod 2^64) + q·(2^32 − 1) decides the correction.
    @inline(__always)
    static func roundScaleFast(_ v: UInt64, bits: Int) -> UInt64 {
        // Masking shifts (&>>, &<<): 1 ≤ bits ≤ 31, and Swift's checked shifts would branch in this hot path.
        let high = v &>> UInt64(64 - bits)
        let low = v &<< UInt64(bits)
        let (sum, carry) = low.addingReportingOverflow(p >> 1)
        var q = high &+ (carry ? 1 : 0)
        let (remainder, overflow) = sum.addingReportingOverflow((q &<< 32) &- q)
        q &+= (overflow ? 1 : 0) | (remainder >= p ? 1 : 0)
        return q & ((1 &<< UInt64(bits)) &- 1)
    }

    /// g_j = round(p / 2^(baseLog·j)): the gadget value of level j (1-based, level 1 most significant).
    static func gadget(baseLog: Int, level: Int) -> UInt64 {
        let shift = UInt64(baseLog * level)
        return (p >> shift) + ((p >> (shift - 1)) & 1)
    }

    /// Signed base-2^baseLog digits d_1…d_ℓ (d_1 most significant) in [−B/2, B/2) with Σ d_j g_j ≈ v:
    /// y = round(v·B^ℓ/p), then balanced digits of y; the final carry is a multiple of p and is dropped.
    @inline(__always)
    static func decompose(_ v: UInt64, baseLog: Int, levels: Int, into digits: UnsafeMutablePointer<Int64>) {
        var y = roundScale(v, bits: baseLog * levels)
        let base = UInt64(1) << UInt64(baseLog)
        let half = base >> 1
        var j = levels - 1
        while j >= 0 {
            var d = Int64(y & (base - 1))
            y >>= UInt64(baseLog)
            if UInt64(d) >= half { d -= Int64(base); y += 1 }
            digits[j] = d
            j -= 1
        }
    }

    @inline(__always)
    static func field(_ signed: Int64) -> FieldElement {
        signed >= 0 ? FieldElement(UInt64(signed)) : -FieldElement(UInt64(-signed))
    }

    /// Signed representative in (−p/2, p/2].
    @inline(__always)
    static func signed(_ x: FieldElement) -> Int64 {
        x.value > p / 2 ? -Int64(p - x.value) : Int64(x.value)
    }

    /// TUniform(b): uniform integer in [−2^b, 2^b].
    static func tUniform<G: RandomNumberGenerator>(log2Bound: Int, using generator: inout G) -> FieldElement {
        let bound = Int64(1) << Int64(log2Bound)
        return field(Int64.random(in: -bound...bound, using: &generator))
    }

    static func binary<G: RandomNumberGenerator>(count: Int, using generator: inout G) -> [FieldElement] {
        (0..<count).map { _ in FieldElement(generator.next() & 1) }
    }
}
