import Algebra

/// Shared uniformly random bits by the square-root trick (Damgård, Fitzi, Kiltz, Nielsen & Toft, TCC 2006,
/// "Unconditionally secure constant-rounds multi-party computation for equality, comparison, bits and
/// exponentiation", §3.1): for random [r], open r²; with c the canonical root (c ≤ (p − 1)/2),
/// r/c = ±1 uniformly, so [b] = ([r]·c⁻¹ + 1)/2 is a random bit. r = 0 (probability 1/p) is dropped.
public enum RandomBits {
    public static func generate(
        count: Int, triples: [BeaverTriple], prss: PRSS, context: PartyContext, session: SessionID
    ) async throws -> [FieldElement] {
        var r = prss.randomShares(count: count, session: session.child(1))
        defer { zeroize(&r) }
        return try await generate(randoms: r, triples: triples, context: context, session: session)
    }

    /// As above from given random sharings `randoms` (fresh, uniformly random, degree t, used for nothing else),
    /// one bit per value.
    public static func generate(
        randoms r: [FieldElement], triples: [BeaverTriple], context: PartyContext, session: SessionID
    ) async throws -> [FieldElement] {
        let count = r.count
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

extension RandomBits {
    /// Exactly `count` shared bits, their triples from `source`: the square-root trick drops r = 0 (probability
    /// 1/p), so each attempt (session `session.child("bits", attempt)`) asks for a few spare bits, and the spare ones
    /// left at the end are wiped. Every honest party drops the same bits (the opened squares), so all agree.
    static func generate(
        count: Int, source: inout TripleSource, prss: PRSS, context: PartyContext, session: SessionID
    ) async throws -> [FieldElement] {
        var bits = [FieldElement]()
        var attempt: UInt64 = 0
        while bits.count < count {
            let ask = count - bits.count + 8
            let attemptSession = session.child("bits", attempt)
            var triples = try await source.next(ask, session: attemptSession.child("triples"))
            bits += try await generate(count: ask, triples: triples, prss: prss, context: context,
                                       session: attemptSession.child("bits"))
            zeroize(&triples)
            attempt += 1
        }
        let result = Array(bits[0..<count])
        zeroize(&bits)
        return result
    }
}
