import Algebra

/// Shared uniformly random bits by the square-root trick (Damgård, Fitzi, Kiltz, Nielsen & Toft, TCC 2006,
/// "Unconditionally secure constant-rounds multi-party computation for equality, comparison, bits and
/// exponentiation", §3.1): for random [r], open r²; with c the canonical root (c ≤ (p − 1)/2),
/// r/c = ±1 uniformly, so [b] = ([r]·c⁻¹ + 1)/2 is a random bit. r = 0 (probability 1/p) is dropped.
public enum RandomBits {
    public static func generate(
        count: Int, triples: [BeaverTriple], prss: PRSS, context: PartyContext, session: SessionID
    ) async throws -> [FieldElement] {
        let r = prss.randomShares(count: count, session: session.child(1))
        let squares = try await BeaverMultiplication.multiply(r, r, triples: triples, context: context, session: session.child(2))
        let opened = try await RobustOpen.open(squares, context: context, session: session.child(3))
        let half = FieldElement(2).inverse()!
        var bits = [FieldElement]()
        bits.reserveCapacity(count)
        for k in 0..<count where opened[k].value != 0 {
            guard let root = opened[k].squareRoot() else { throw MPCError.decodingFailed(index: k) }
            let canonical = root.value <= (FieldElement.modulus - 1) / 2 ? root : -root
            bits.append((r[k] * canonical.inverse()! + .one) * half)
        }
        return bits
    }
}
