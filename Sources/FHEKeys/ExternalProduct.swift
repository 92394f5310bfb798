import Algebra

/// The external product GGSW(s_i) ⊡ GLWE with the bootstrapping key kept in NTT form (Chillotti et al., TFHE,
/// JoC 2020, §3.4): gadget-decompose each GLWE polynomial, forward-NTT the digit polynomials, multiply-accumulate
/// against the key rows in the NTT domain with one reduction per output coefficient, inverse-NTT the k+1 results.
extension BootstrappingKey {
    /// GGSW(s_i) ⊡ glwe for key index i (0 ≤ i < n); `glwe` and the result hold (k+1)·N coefficients.
    public func externalProduct(keyIndex i: Int, _ glwe: [FieldElement]) -> [FieldElement] {
        let k = parameters.glweDimension, N = parameters.polynomialSize, levels = parameters.pbsLevels
        precondition(i >= 0 && i < parameters.lweDimension, "key index \(i) out of range")
        precondition(glwe.count == (k + 1) * N, "GLWE has \(glwe.count) coefficients, expected \((k + 1) * N)")
        var output = [FieldElement](repeating: .zero, count: (k + 1) * N)
        var digitPolys = [FieldElement](repeating: .zero, count: (k + 1) * levels * N)
        glwe.withUnsafeBufferPointer { input in
        digitPolys.withUnsafeMutableBufferPointer { digitPolys in
        output.withUnsafeMutableBufferPointer { output in
        ntt.withUnsafeBufferPointer { key in
            let baseLog = parameters.pbsBaseLog
            for c in 0...k {
                BlindRotationKernels.decompose(input.baseAddress! + c * N, size: N, baseLog: baseLog, levels: levels,
                                               into: digitPolys.baseAddress! + c * levels * N)
            }
            externalProductCore(key: key.baseAddress!, keyIndex: i, digitPolys: digitPolys.baseAddress!, output: output.baseAddress!)
        }}}}
        return output
    }

    /// Core of the external product on raw buffers: forward-NTTs the (k+1)·ℓ digit polynomials in place, then
    /// output_m = INTT(Σ_row digit_row · key[i, row, m]) for m = 0…k (coefficient domain, overwritten). The
    /// multiply-accumulate sums 128-bit products and reduces once per coefficient (CGoldilocks); it also pulls
    /// key index `next`'s block into cache for the following call.
    @inline(__always)
    func externalProductCore(
        key: UnsafePointer<FieldElement>, keyIndex i: Int,
        digitPolys: UnsafeMutablePointer<FieldElement>, output: UnsafeMutablePointer<FieldElement>,
        prefetchKeyIndex next: Int? = nil
    ) {
        let k = parameters.glweDimension, N = parameters.polynomialSize
        let rows = (k + 1) * parameters.pbsLevels
        let transform = self.transform
        for row in 0..<rows {
            transform.forward(UnsafeMutableBufferPointer(start: digitPolys + row * N, count: N))
        }
        let block = rows * (k + 1) * N
        BlindRotationKernels.multiplyAccumulate(
            digits: digitPolys, rows: rows, key: key + i * block, columns: k + 1, size: N, into: output,
            prefetch: next.map { key + $0 * block })
        for m in 0...k {  // the key holds N^−1·NTT(row), so N·INTT is the inverse here
            transform.inverseWithoutScaling(UnsafeMutableBufferPointer(start: output + m * N, count: N))
        }
    }
}
