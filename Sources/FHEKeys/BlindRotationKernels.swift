import Algebra
import CGoldilocks

/// The blind rotation's per-CMux work around the NTTs, run by CGoldilocks' C kernels (AVX2 when the CPU has it,
/// scalar C otherwise): gadget decomposition, the fused rotate-subtract-decompose, the NTT-domain
/// multiply-accumulate and the accumulator update. FieldElement is one canonical UInt64.
enum BlindRotationKernels {
    /// digits[j·N + t] = level j+1 of source[t]'s balanced gadget decomposition.
    @inline(__always)
    static func decompose(_ source: UnsafePointer<FieldElement>, size N: Int, baseLog: Int, levels: Int,
                          into digits: UnsafeMutablePointer<FieldElement>) {
        words(source, N) { source in
            words(digits, levels * N) { digits in
                goldilocks_decompose(source, N, UInt32(baseLog), UInt32(levels), digits)
            }
        }
    }

    /// Digits of X^shift·source − source (0 < shift < 2N), laid out as in `decompose`.
    @inline(__always)
    static func rotateSubtractDecompose(_ source: UnsafePointer<FieldElement>, by shift: Int, size N: Int,
                                        baseLog: Int, levels: Int, into digits: UnsafeMutablePointer<FieldElement>) {
        words(source, N) { source in
            words(digits, levels * N) { digits in
                goldilocks_rotate_subtract_decompose(source, N, shift, UInt32(baseLog), UInt32(levels), digits)
            }
        }
    }

    /// output[m·N + t] = Σ_row digits[row·N + t] · key[(row·columns + m)·N + t] for m < columns; `prefetch` is
    /// the key block the next call will read (pulled into cache meanwhile), or nil.
    @inline(__always)
    static func multiplyAccumulate(digits: UnsafePointer<FieldElement>, rows: Int, key: UnsafePointer<FieldElement>,
                                   columns: Int, size N: Int, into output: UnsafeMutablePointer<FieldElement>,
                                   prefetch: UnsafePointer<FieldElement>? = nil) {
        let next = prefetch.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt64.self) }
        words(digits, rows * N) { digits in
            words(key, rows * columns * N) { key in
                words(output, columns * N) { output in
                    goldilocks_multiply_accumulate(digits, rows, key, columns, N, output, next)
                }
            }
        }
    }

    /// accumulator[t] += values[t] for t < count.
    @inline(__always)
    static func addAssign(_ accumulator: UnsafeMutablePointer<FieldElement>, _ values: UnsafePointer<FieldElement>,
                          count: Int) {
        words(accumulator, count) { accumulator in
            words(values, count) { values in goldilocks_add_assign(accumulator, values, count) }
        }
    }

    /// Multi-bit group step in the NTT domain: output[m·N + t] = Σ_row digits[row·N + t]·G[row·columns + m][t] for
    /// m < columns, with the group's GGSW G[c][t] = Σ_p (NTT(X^(exponents[p]))[t] − 1)·key[(p·rows·columns + c)·N + t]
    /// combined on the fly (never stored), the NTT of the monomials read from `monomials`
    /// (`goldilocks_multibit_multiply_accumulate`); `prefetch` is the next group's key block, or nil.
    @inline(__always)
    static func multiBitMultiplyAccumulate(digits: UnsafePointer<FieldElement>, rows: Int,
                                           key: UnsafePointer<FieldElement>, exponents: UnsafePointer<Int>,
                                           patterns: Int, columns: Int, size N: Int, powers: UnsafePointer<UInt64>,
                                           orders: UnsafePointer<UInt32>, into output: UnsafeMutablePointer<FieldElement>,
                                           prefetch: UnsafePointer<FieldElement>? = nil) {
        let next = prefetch.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt64.self) }
        words(digits, rows * N) { digits in
            words(key, patterns * rows * columns * N) { key in
                words(output, columns * N) { output in
                    goldilocks_multibit_multiply_accumulate(digits, rows, key, patterns, exponents, columns, N, powers,
                                                            orders, output, next)
                }
            }
        }
    }

    @inline(__always)
    private static func words<R>(_ pointer: UnsafePointer<FieldElement>, _ count: Int,
                                 _ body: (UnsafePointer<UInt64>) -> R) -> R {
        pointer.withMemoryRebound(to: UInt64.self, capacity: count, body)
    }

    @inline(__always)
    private static func words<R>(_ pointer: UnsafeMutablePointer<FieldElement>, _ count: Int,
                                 _ body: (UnsafeMutablePointer<UInt64>) -> R) -> R {
        pointer.withMemoryRebound(to: UInt64.self, capacity: count, body)
    }
}
