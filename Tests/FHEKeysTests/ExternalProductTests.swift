import Algebra
import Testing
@testable import FHEKeys

/// The fast external product and its rounding against straightforward references (division-based rounding,
/// coefficient-domain negacyclic products); BlindRotationKernelsTests covers the C kernels one by one.
@Suite struct ExternalProductTests {
    /// Reference: round(v · 2^bits / p) mod 2^bits by a 128/64 division.
    static func referenceRoundScale(_ v: UInt64, bits: Int) -> UInt64 {
        let p = FieldElement.modulus
        let high = v >> UInt64(64 - bits)
        let low = v << UInt64(bits)
        let (sum, carry) = low.addingReportingOverflow(p >> 1)
        let (quotient, _) = p.dividingFullWidth((high &+ (carry ? 1 : 0), sum))
        return quotient & ((1 << UInt64(bits)) - 1)
    }

    @Test func divisionFreeRoundingMatchesDivision() {
        var generator = SeededGenerator(seed: [9], domain: "round")
        let p = FieldElement.modulus
        for bits in 1...31 {
            // Values next to the rounding boundaries (p/2^bits)·(j + 1/2) and the ends of [0, p).
            var values: [UInt64] = [0, 1, p - 1, p - 2, p / 2, p / 2 + 1]
            for _ in 0..<20 {
                let j = generator.next() % (UInt64(1) << UInt64(bits))
                let boundary = UInt64((Double(j) + 0.5) * Double(p) / Double(UInt64(1) << UInt64(bits)))
                for delta in -3...3 where boundary >= 3 && boundary + 3 < p {
                    values.append(boundary &+ UInt64(bitPattern: Int64(delta)))
                }
            }
            for _ in 0..<300 { values.append(FieldElement.random(using: &generator).value) }
            for v in values {
                #expect(Arithmetic.roundScaleFast(v, bits: bits) == Self.referenceRoundScale(v, bits: bits), "v=\(v) bits=\(bits)")
            }
        }
    }

    /// GGSW(s_i) ⊡ GLWE equals Σ_rows digit_row · GGSW row computed with coefficient-domain products, exactly.
    @Test func externalProductMatchesCoefficientDomainReference() {
        var generator = SeededGenerator(seed: [11], domain: "external")
        let key = TestKeys.server.bootstrappingKey!
        let p = key.parameters
        let k = p.glweDimension, N = p.polynomialSize, levels = p.pbsLevels
        let rows = (k + 1) * levels
        let ntt = NegacyclicNTT(size: N)
        for _ in 0..<3 {
            let i = Int(generator.next() % UInt64(p.lweDimension))
            let glwe = (0..<((k + 1) * N)).map { _ in FieldElement.random(using: &generator) }
            let fast = key.externalProduct(keyIndex: i, glwe)
            var expected = [FieldElement](repeating: .zero, count: (k + 1) * N)
            var digitRows = [[FieldElement]](repeating: [FieldElement](repeating: .zero, count: N), count: rows)
            var digits = [Int64](repeating: 0, count: levels)
            for c in 0...k {
                for t in 0..<N {
                    digits.withUnsafeMutableBufferPointer {
                        Arithmetic.decompose(glwe[c * N + t].value, baseLog: p.pbsBaseLog, levels: levels, into: $0.baseAddress!)
                    }
                    for j in 0..<levels { digitRows[c * levels + j][t] = Arithmetic.field(digits[j]) }
                }
            }
            for row in 0..<rows {
                for m in 0...k {
                    let base = ((i * rows + row) * (k + 1) + m) * N
                    var keyRow = Array(key.ntt[base..<(base + N)])
                    ntt.inverseWithoutScaling(&keyRow)  // the key stores N^−1·NTT(row)
                    let product = ntt.multiply(digitRows[row], keyRow)
                    for t in 0..<N { expected[m * N + t] += product[t] }
                }
            }
            #expect(fast == expected)
        }
    }
}
