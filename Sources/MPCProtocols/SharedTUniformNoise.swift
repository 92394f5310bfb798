import Algebra

/// Shares of exact TUniform(b) noise — the distribution a centralized key generation draws — from shared random
/// bits: with b + 2 bits u_0 … u_{b+1}, e = Σ_{j ≤ b} 2^j·u_j + u_{b+1} − 2^b is uniform on [−2^b, 2^b] with the two
/// ends at half weight (tfhe-rs' TUniform). e is linear in the bits, so each party computes its share locally; t
/// corrupt parties learn nothing of it (the bits are uniform to them). Unlike a PRSS-mask, whose sum over C(n, t)
/// subsets has C(n, t) times the variance, this costs b + 2 bits (a Beaver triple and two opens each) per sample
/// (docs/KEYGEN.md "Noise").
public enum SharedTUniformNoise {
    /// Shared random bits one sample of TUniform(b) consumes.
    public static func bitsPerSample(log2Bound b: Int) -> Int { b + 2 }

    /// Shares of the samples made from `bits` (b + 2 consecutive bit shares per sample, lowest weight first).
    public static func samples(fromBits bits: ArraySlice<FieldElement>, log2Bound b: Int) -> [FieldElement] {
        let width = bitsPerSample(log2Bound: b)
        precondition(bits.count % width == 0, "TUniform(\(b)) takes \(width) bits per sample")
        let offset = FieldElement(UInt64(1) << UInt64(b))
        var result = [FieldElement]()
        result.reserveCapacity(bits.count / width)
        var index = bits.startIndex
        while index < bits.endIndex {
            var value = bits[index + b + 1] - offset
            var weight = FieldElement.one
            for j in 0...b {
                value += weight * bits[index + j]
                weight += weight
            }
            result.append(value)
            index += width
        }
        return result
    }

    /// `count` shared TUniform(b) samples, their bits made in batches of about `batch` (memory stays bounded; batch i
    /// under `session.child("noise batch", i)`). `progress` gets the number of samples done.
    public static func generate(
        count: Int, log2Bound b: Int, source: inout TripleSource, prss: PRSS, context: PartyContext,
        session: SessionID, batch: Int, progress: (@Sendable (Int) -> Void)? = nil
    ) async throws -> [FieldElement] {
        let width = bitsPerSample(log2Bound: b)
        let samplesPerBatch = max(1, batch / width)
        var result = [FieldElement]()
        result.reserveCapacity(count)
        var batchIndex: UInt64 = 0
        while result.count < count {
            let samplesNow = min(samplesPerBatch, count - result.count)
            var bits = try await RandomBits.generate(count: samplesNow * width, source: &source, prss: prss, context: context,
                                                     session: session.child("noise batch", batchIndex))
            result += samples(fromBits: bits[...], log2Bound: b)
            zeroize(&bits)
            batchIndex += 1
            progress?(result.count)
        }
        return result
    }
}
