import Algebra
import Testing
@testable import FHEKeys

/// CGoldilocks' blind-rotation kernels against the Swift references: the digit-by-digit `Arithmetic.decompose`,
/// explicit rotation, and a multiply-accumulate written out with field operators. Random inputs, all shifts at
/// the block boundaries, several gadget shapes and sizes (including tails shorter than one AVX2 vector).
@Suite struct BlindRotationKernelsTests {
    static let gadgets = [(23, 1), (4, 4), (8, 3), (1, 1), (31, 1)]

    static func referenceDigits(_ values: [FieldElement], baseLog: Int, levels: Int) -> [FieldElement] {
        let N = values.count
        var expected = [FieldElement](repeating: .zero, count: levels * N)
        var digits = [Int64](repeating: 0, count: levels)
        for t in 0..<N {
            digits.withUnsafeMutableBufferPointer {
                Arithmetic.decompose(values[t].value, baseLog: baseLog, levels: levels, into: $0.baseAddress!)
            }
            for j in 0..<levels { expected[j * N + t] = Arithmetic.field(digits[j]) }
        }
        return expected
    }

    /// Values near 0, p − 1 and the rounding boundaries as well as uniform ones.
    static func values(_ count: Int, _ generator: inout SeededGenerator) -> [FieldElement] {
        let edges: [UInt64] = [0, 1, 2, FieldElement.modulus - 1, FieldElement.modulus / 2, FieldElement.modulus / 2 + 1]
        return (0..<count).map { t in
            t % 5 == 0 ? FieldElement(edges[Int(generator.next() % UInt64(edges.count))])
                : FieldElement.random(using: &generator)
        }
    }

    @Test(arguments: [8, 13, 64, 2048])
    func decompositionMatchesReference(size N: Int) {
        var generator = SeededGenerator(seed: [21, UInt8(N & 0xFF)], domain: "kernel-decompose")
        for (baseLog, levels) in Self.gadgets {
            for _ in 0..<10 {
                let source = Self.values(N, &generator)
                var digits = [FieldElement](repeating: .zero, count: levels * N)
                source.withUnsafeBufferPointer { s in
                    digits.withUnsafeMutableBufferPointer { d in
                        BlindRotationKernels.decompose(s.baseAddress!, size: N, baseLog: baseLog, levels: levels,
                                                       into: d.baseAddress!)
                    }
                }
                #expect(digits == Self.referenceDigits(source, baseLog: baseLog, levels: levels),
                        "N \(N), base 2^\(baseLog), \(levels) levels")
            }
        }
    }

    @Test(arguments: [8, 64, 2048])
    func rotateSubtractDecomposeMatchesReferenceAtEveryBoundary(size N: Int) {
        var generator = SeededGenerator(seed: [22, UInt8(N & 0xFF)], domain: "kernel-rotate")
        // Shifts next to 0, N and 2N, plus random ones (odd shifts straddle the AVX2 blocks).
        var shifts = [1, 2, 3, 4, 5, N - 1, N, N + 1, N + 3, 2 * N - 1, 2 * N - 4].filter { $0 > 0 && $0 < 2 * N }
        for _ in 0..<12 { shifts.append(1 + Int(generator.next() % UInt64(2 * N - 1))) }
        for (baseLog, levels) in Self.gadgets {
            for shift in shifts {
                let source = Self.values(N, &generator)
                var rotated = [FieldElement](repeating: .zero, count: N)
                source.withUnsafeBufferPointer { s in
                    rotated.withUnsafeMutableBufferPointer { r in
                        BootstrappingKey.rotate(s.baseAddress!, by: shift, into: r.baseAddress!, size: N)
                    }
                }
                let expected = Self.referenceDigits((0..<N).map { rotated[$0] - source[$0] },
                                                    baseLog: baseLog, levels: levels)
                var kernel = [FieldElement](repeating: .zero, count: levels * N)
                source.withUnsafeBufferPointer { s in
                    kernel.withUnsafeMutableBufferPointer { k in
                        BlindRotationKernels.rotateSubtractDecompose(
                            s.baseAddress!, by: shift, size: N, baseLog: baseLog, levels: levels, into: k.baseAddress!)
                    }
                }
                #expect(kernel == expected, "N \(N), shift \(shift), base 2^\(baseLog), \(levels) levels")
            }
        }
    }

    @Test func multiplyAccumulateMatchesFieldArithmetic() {
        var generator = SeededGenerator(seed: [23], domain: "kernel-mac")
        for (rows, columns, N) in [(2, 2, 64), (6, 3, 16), (1, 1, 8), (9, 2, 12), (2, 2, 10), (3, 1, 7)] {
            for round in 0..<6 {
                // Round 0 uses p − 1 everywhere: the largest products, where 128-bit sums overflow. N not a
                // multiple of 4 runs the scalar path, the others the AVX2 one.
                let digits = round == 0 ? [FieldElement](repeating: FieldElement(FieldElement.modulus - 1), count: rows * N)
                    : Self.values(rows * N, &generator)
                let key = round == 0 ? [FieldElement](repeating: FieldElement(FieldElement.modulus - 1), count: rows * columns * N)
                    : Self.values(rows * columns * N, &generator)
                var expected = [FieldElement](repeating: .zero, count: columns * N)
                for m in 0..<columns {
                    for t in 0..<N {
                        for row in 0..<rows { expected[m * N + t] += digits[row * N + t] * key[(row * columns + m) * N + t] }
                    }
                }
                var output = [FieldElement](repeating: FieldElement(7), count: columns * N)
                digits.withUnsafeBufferPointer { d in
                    key.withUnsafeBufferPointer { k in
                        output.withUnsafeMutableBufferPointer { o in
                            BlindRotationKernels.multiplyAccumulate(
                                digits: d.baseAddress!, rows: rows, key: k.baseAddress!, columns: columns, size: N,
                                into: o.baseAddress!)
                        }
                    }
                }
                #expect(output == expected, "\(rows) rows, \(columns) columns, N \(N), round \(round)")
            }
        }
    }

    @Test func addAssignMatchesFieldAddition() {
        var generator = SeededGenerator(seed: [24], domain: "kernel-add")
        for count in [1, 3, 4, 7, 64, 4096] {
            let a = Self.values(count, &generator), b = Self.values(count, &generator)
            var sum = a
            sum.withUnsafeMutableBufferPointer { s in
                b.withUnsafeBufferPointer { BlindRotationKernels.addAssign(s.baseAddress!, $0.baseAddress!, count: count) }
            }
            #expect(sum == (0..<count).map { a[$0] + b[$0] }, "count \(count)")
        }
    }
}
