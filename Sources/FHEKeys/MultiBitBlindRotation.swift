import Algebra

/// Programmable bootstrapping with the multi-bit key (grouping factor 2): per pair of mask coefficients, one external
/// product ACC += GGSW_group ⊡ ACC rotates the accumulator by X^(ã_2g·s_2g + ã_2g+1·s_2g+1), where the group's three
/// GGSWs are combined in the NTT domain with X^(e_p) − 1 inside the multiply-accumulate (C kernel
/// `goldilocks_multibit_multiply_accumulate`). The external product decomposes ACC itself (no rotate-subtract):
/// (k+1)ℓ forward and k+1 inverse NTTs per pair instead of per coefficient. Same test vector, modulus switch and
/// sample extraction as `BootstrappingKey.bootstrap`, so both bootstraps compute the same function; the noise differs
/// (docs/FHE_PARAMETERS.md, "Multi-bit blind rotation").
extension MultiBitBootstrappingKey {
    public func bootstrap(_ input: LWECiphertext, table: [UInt64]) -> LWECiphertext {
        let k = parameters.glweDimension, N = parameters.polynomialSize, levels = parameters.pbsLevels
        precondition(input.mask.count == parameters.lweDimension, "input has dimension \(input.mask.count)")
        let baseLog = parameters.pbsBaseLog
        let logTwoN = N.trailingZeroBitCount + 1
        let twoN = 2 * N
        var acc = BootstrappingKey.initialAccumulator(body: input.body, table: table, parameters: parameters)
        let rows = self.rows, columns = rows * (k + 1), patterns = Self.patterns
        let groupBlock = patterns * columns * N
        var digitPolys = [FieldElement](repeating: .zero, count: rows * N)
        var out = [FieldElement](repeating: .zero, count: (k + 1) * N)
        var exponents = [Int](repeating: 0, count: patterns)
        let transform = self.transform
        acc.withUnsafeMutableBufferPointer { acc in
        digitPolys.withUnsafeMutableBufferPointer { digitPolys in
        out.withUnsafeMutableBufferPointer { out in
        exponents.withUnsafeMutableBufferPointer { exponents in
        monomials.powers.withUnsafeBufferPointer { powers in
        monomials.orders.withUnsafeBufferPointer { orders in
        ntt.withUnsafeBufferPointer { key in
            let accBase = acc.baseAddress!, digitBase = digitPolys.baseAddress!, outBase = out.baseAddress!
            let keyBase = key.baseAddress!
            for g in 0..<groups {
                let a0 = Int(Arithmetic.roundScaleFast(input.mask[2 * g].value, bits: logTwoN))
                let a1 = Int(Arithmetic.roundScaleFast(input.mask[2 * g + 1].value, bits: logTwoN))
                if a0 == 0 && a1 == 0 { continue }
                exponents[0] = a0
                exponents[1] = a1
                exponents[2] = (a0 + a1) & (twoN - 1)
                for c in 0...k {
                    BlindRotationKernels.decompose(accBase + c * N, size: N, baseLog: baseLog, levels: levels,
                                                   into: digitBase + c * levels * N)
                }
                for row in 0..<rows {
                    transform.forward(UnsafeMutableBufferPointer(start: digitBase + row * N, count: N))
                }
                BlindRotationKernels.multiBitMultiplyAccumulate(
                    digits: digitBase, rows: rows, key: keyBase + g * groupBlock, exponents: exponents.baseAddress!,
                    patterns: patterns, columns: k + 1, size: N, powers: powers.baseAddress!,
                    orders: orders.baseAddress!, into: outBase,
                    prefetch: g + 1 < groups ? keyBase + (g + 1) * groupBlock : nil)
                for m in 0...k {  // the key holds N^−1·NTT(row), so N·INTT is the inverse here
                    transform.inverseWithoutScaling(UnsafeMutableBufferPointer(start: outBase + m * N, count: N))
                }
                BlindRotationKernels.addAssign(accBase, outBase, count: (k + 1) * N)
            }
        }}}}}}}
        return BootstrappingKey.sampleExtract(acc, glweDimension: k, polynomialSize: N)
    }
}
