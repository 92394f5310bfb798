import CGoldilocks

/// Whether this CPU runs CGoldilocks' AVX2 kernels (checked once).
let goldilocksHasAVX2 = goldilocks_has_avx2() != 0

extension NegacyclicNTT {
    /// Runs the forward transform with the AVX2 kernel when the CPU has AVX2 and N ≥ 8 (same twiddles, same
    /// lazy-reduction bounds, same canonical bit-reversed output as `forwardPortable`); false when it did not.
    @usableFromInline
    func forwardVectorised(_ elements: UnsafeMutableBufferPointer<FieldElement>) -> Bool {
        runKernel(on: elements, twiddles: twiddles, shifts: twiddleShifts) { values, zetas, shifts in
            goldilocks_ntt_forward_avx2(values, zetas, shifts, size)
        }
    }

    /// Runs the inverse transform (with the 1/N scaling unless `scaled` is false) with the AVX2 kernel when
    /// available; false when not.
    @usableFromInline
    func inverseVectorised(_ elements: UnsafeMutableBufferPointer<FieldElement>, scaled: Bool = true) -> Bool {
        let scale = scaled ? sizeInverse.value : 1
        let lastTwiddle = scaled ? scaledLastInverseTwiddle.value : inverseTwiddles[1].value
        return runKernel(on: elements, twiddles: inverseTwiddles, shifts: inverseTwiddleShifts) { values, zetas, shifts in
            goldilocks_ntt_inverse_avx2(values, zetas, shifts, size, scale, lastTwiddle)
        }
    }

    /// Hands `kernel` the values and twiddles as raw words (FieldElement is one canonical UInt64) and the
    /// twiddles' power-of-two shifts, if the CPU has AVX2 and N ≥ 8; false otherwise.
    private func runKernel(
        on elements: UnsafeMutableBufferPointer<FieldElement>, twiddles: [FieldElement], shifts: [Int8],
        _ kernel: (UnsafeMutablePointer<UInt64>, UnsafePointer<UInt64>, UnsafePointer<Int8>) -> Void
    ) -> Bool {
        guard goldilocksHasAVX2, size >= 8 else { return false }
        precondition(elements.count == size, "NTT input has \(elements.count) values, expected \(size)")
        elements.withMemoryRebound(to: UInt64.self) { values in
            twiddles.withUnsafeBufferPointer { zetas in
                zetas.withMemoryRebound(to: UInt64.self) { zetas in
                    shifts.withUnsafeBufferPointer { kernel(values.baseAddress!, zetas.baseAddress!, $0.baseAddress!) }
                }
            }
        }
        return true
    }
}
