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
                let source = input.baseAddress! + c * N
                let destination = digitPolys.baseAddress! + c * levels * N
                for t in 0..<N {
                    Self.decompose(source[t].value, baseLog: baseLog, levels: levels, into: destination + t, stride: N)
                }
            }
            externalProductCore(key: key.baseAddress!, keyIndex: i, digitPolys: digitPolys.baseAddress!, output: output.baseAddress!)
        }}}}
        return output
    }

    /// Writes the balanced gadget digits of v (level 1 first) to destination[j·stride] as field elements.
    /// Uses the division-free rounding of `Arithmetic.roundScaleFast`. Branch-free: the digits' signs are
    /// random, so a branch on them would be mispredicted half the time in the blind rotation's hot loop.
    @inline(__always)
    static func decompose(_ v: UInt64, baseLog: Int, levels: Int, into destination: UnsafeMutablePointer<FieldElement>, stride: Int) {
        var y = Arithmetic.roundScaleFast(v, bits: baseLog * levels)
        let shift = UInt64(baseLog)
        let base = UInt64(1) &<< shift
        var j = levels - 1
        while j >= 0 {
            let d = y & (base &- 1)
            y = y &>> shift
            // d ≥ B/2: the balanced digit is d − B (carry 1 into the next digit), whose field representative
            // is p − (B − d) = d + (p − B).
            let negative = (d &>> (shift &- 1)) & 1
            y &+= negative
            destination[j * stride] = FieldElement(d &+ ((0 &- negative) & (FieldElement.modulus &- base)))
            j -= 1
        }
    }

    /// Core of the external product on raw buffers: forward-NTTs the (k+1)·ℓ digit polynomials in place, then
    /// output_m = INTT(Σ_row digit_row · key[i, row, m]) for m = 0…k (coefficient domain, overwritten).
    /// Products are summed as 128-bit integers; each overflow of 2^128 ≡ −2^32 (mod p) is counted and
    /// corrected once per coefficient.
    @inline(__always)
    func externalProductCore(
        key: UnsafePointer<FieldElement>, keyIndex i: Int,
        digitPolys: UnsafeMutablePointer<FieldElement>, output: UnsafeMutablePointer<FieldElement>
    ) {
        let k = parameters.glweDimension, N = parameters.polynomialSize
        let rows = (k + 1) * parameters.pbsLevels
        let transform = self.transform
        for row in 0..<rows {
            transform.forward(UnsafeMutableBufferPointer(start: digitPolys + row * N, count: N))
        }
        let keyBase = key + i * rows * (k + 1) * N
        for m in 0...k {
            let out = output + m * N
            if rows == 2 {
                let d0 = digitPolys, d1 = digitPolys + N
                let k0 = keyBase + m * N, k1 = keyBase + (k + 1) * N + m * N
                for t in 0..<N {
                    let (h0, l0) = d0[t].value.multipliedFullWidth(by: k0[t].value)
                    let (h1, l1) = d1[t].value.multipliedFullWidth(by: k1[t].value)
                    let (low, carryLow) = l0.addingReportingOverflow(l1)
                    let (high, carryHigh) = h0.addingReportingOverflow(h1 &+ (carryLow ? 1 : 0))
                    let reduced = FieldElement.reduce(high: high, low: low)
                    out[t] = carryHigh ? reduced - FieldElement(1 << 32) : reduced
                }
            } else {
                for t in 0..<N {
                    var high: UInt64 = 0, low: UInt64 = 0, overflows: UInt64 = 0
                    for row in 0..<rows {
                        let (h, l) = digitPolys[row * N + t].value.multipliedFullWidth(by: keyBase[(row * (k + 1) + m) * N + t].value)
                        let (newLow, carryLow) = low.addingReportingOverflow(l)
                        let (newHigh, carryHigh) = high.addingReportingOverflow(h &+ (carryLow ? 1 : 0))
                        low = newLow
                        high = newHigh
                        if carryHigh { overflows &+= 1 }
                    }
                    out[t] = FieldElement.reduce(high: high, low: low) - FieldElement(overflows << 32)
                }
            }
            transform.inverse(UnsafeMutableBufferPointer(start: out, count: N))
        }
    }
}
