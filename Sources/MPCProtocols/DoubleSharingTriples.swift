import Algebra

/// Beaver triples from HIM-extracted sharings (Damgård & Nielsen, CRYPTO 2007, §4; Beerliová-Trubíniová & Hirt,
/// TCC 2008): [a], [b], [r], [s] are random degree-t sharings from `HIMExtraction` instead of PRSS, and the rest
/// is `BeaverTriples`' step: open ⟨ab − r⟩ = [a][b] − [r] − X^t·[s] (degree 2t) and set [c] = [r] + (ab − r).
/// The open travels in the round of the extraction's checks and shares its agreement: one Byzantine agreement on
/// "no honest checker complained, and I decoded and n − t echoed my digest"; on "no", fault localization (which
/// recomputes every party's masked products from the revealed dealings) instead of `BeaverTriples`' dispute.
/// Per triple and party: 4·n²/(n − 2t) multiplications for the matrix, 4·n(t + 1)/(n − 2t) for the dealing and
/// the open's decoding, against PRSS's 4·C(n − 1, t) PRF streams. Honest case: 3t + 7 rounds per batch.
public enum DoubleSharingTriples {
    public static func generate<G: RandomNumberGenerator>(
        count: Int, context: PartyContext, session: SessionID, using generator: inout G
    ) async throws -> [BeaverTriple] {
        var disputes = HIMDisputeState(partyCount: context.partyCount)
        return try await generate(count: count, context: context, session: session, disputes: &disputes, using: &generator)
    }

    /// `disputes`: dispute control's findings, kept across batches (start with `HIMDisputeState(partyCount:)`).
    public static func generate<G: RandomNumberGenerator>(
        count: Int, context: PartyContext, session: SessionID, disputes: inout HIMDisputeState, using generator: inout G
    ) async throws -> [BeaverTriple] {
        try await generate(count: count, context: context, session: session, disputes: &disputes, using: &generator, deviation: [])
    }

    /// As above; `deviation` lets tests make a corrupt party misbehave.
    static func generate<G: RandomNumberGenerator>(
        count: Int, context: PartyContext, session: SessionID, disputes: inout HIMDisputeState, using generator: inout G,
        deviation: HIMExtraction.Deviation
    ) async throws -> [BeaverTriple] {
        try await generate(
            count: count, randoms: 0, context: context, session: session, disputes: &disputes, using: &generator, deviation: deviation
        ).triples
    }

    /// `count` triples and `randoms` further random degree-t sharings from the same extraction (the random values
    /// random bits start from, without a PRSS draw of C(n − 1, t) streams each).
    public static func generate<G: RandomNumberGenerator>(
        count: Int, randoms: Int, context: PartyContext, session: SessionID, disputes: inout HIMDisputeState,
        using generator: inout G
    ) async throws -> (triples: [BeaverTriple], randoms: [FieldElement]) {
        try await generate(count: count, randoms: randoms, context: context, session: session, disputes: &disputes, using: &generator, deviation: [])
    }

    static func generate<G: RandomNumberGenerator>(
        count: Int, randoms: Int, context: PartyContext, session: SessionID, disputes: inout HIMDisputeState,
        using generator: inout G, deviation: HIMExtraction.Deviation
    ) async throws -> (triples: [BeaverTriple], randoms: [FieldElement]) {
        guard count > 0 || randoms > 0 else { return ([], []) }
        let t = context.threshold
        let opening = HIMExtraction.Opening(count: count) { shares, party in
            BeaverTriples.maskedProducts(
                a: Array(shares[0..<count]), b: Array(shares[count..<(2 * count)]),
                r: Array(shares[(2 * count)..<(3 * count)]), s: Array(shares[(3 * count)..<(4 * count)]),
                party: party, threshold: t
            )
        }
        var (shares, opened) = try await HIMExtraction.run(
            sharings: 4 * count + randoms, opening: count > 0 ? opening : nil, context: context, session: session,
            disputes: &disputes, using: &generator, deviation: deviation
        )
        defer { zeroize(&shares) }
        let triples = (0..<count).map { BeaverTriple(a: shares[$0], b: shares[count + $0], c: shares[2 * count + $0] + opened[$0]) }
        return (triples, Array(shares[(4 * count)..<(4 * count + randoms)]))
    }
}

/// Which triple generator to run for a party count and threshold. PRSS-based `BeaverTriples` costs each party
/// 4·C(n − 1, t) PRF streams per triple and sends (n − 1)·8 bytes; HIM-based `DoubleSharingTriples` about
/// 4n²/(n − 2t) + 4n(t + 1)/(n − 2t) multiply-adds and 8(n − 1)(1 + 4/(n − 2t) + 8t/(n(n − 2t))) bytes. Measured in
/// one process (`kms-bench mpc --only generators`, docs/MPC.md "Triples from hyper-invertible matrices"): PRSS is
/// about 1.5 times faster at (4, 1) (3 subsets per party), HIM twice as fast at (7, 2) (15 subsets) and 40 times at
/// (13, 4) (495). So PRSS while each party holds at most 3 subsets, HIM beyond.
public enum TripleGenerator: String, Sendable, CaseIterable {
    case prss
    case hyperInvertible

    public static func preferred(partyCount n: Int, threshold t: Int) -> TripleGenerator {
        prssStreams(n - 1, t) <= 3 ? .prss : .hyperInvertible
    }

    /// C(n, k), saturating.
    private static func prssStreams(_ n: Int, _ k: Int) -> Int {
        guard k >= 0, k <= n else { return 0 }
        var result = 1
        for i in 0..<min(k, n - k) { result = result * (n - i) / (i + 1); if result > 1 << 40 { return result } }
        return result
    }
}
