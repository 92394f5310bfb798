import Algebra

/// One party's shares of a random double sharing: [r]_t and ⟨r⟩_2t of the same uniformly random r.
public struct DoubleSharing: Sendable, Hashable {
    /// The share of the degree-t sharing.
    public let degreeT: FieldElement
    /// The share of the degree-2t sharing.
    public let degree2T: FieldElement
    public init(degreeT: FieldElement, degree2T: FieldElement) { self.degreeT = degreeT; self.degree2T = degree2T }
}

/// Random double sharings ([r]_t, ⟨r⟩_2t) (Damgård & Nielsen, "Scalable and unconditionally secure multiparty
/// computation", CRYPTO 2007, §4) extracted with hyper-invertible matrices (Beerliová-Trubíniová & Hirt, TCC
/// 2008; see `HIMExtraction`), with guaranteed output for n ≥ 3t + 1: two random degree-t sharings [r], [s] are
/// extracted and ⟨r⟩ = [r] + X^t·[s], a degree-2t sharing of r whose coefficients 1…2t are uniform (1…t − 1 from
/// r's, t from r's and s(0), t + 1…2t from s's). Checking [r] and [s] at degree t, where n ≥ 3t + 1 leaves 2t
/// redundant shares, replaces a consistency check of the degree-2t sharing. The work per sharing grows linearly
/// in n (no PRSS subsets), and no PRSS keys are needed.
public enum RandomDoubleSharings {
    /// `disputes`: dispute control's findings, kept across batches (start with `HIMDisputeState(partyCount:)`).
    public static func generate<G: RandomNumberGenerator>(
        count: Int, context: PartyContext, session: SessionID, disputes: inout HIMDisputeState, using generator: inout G
    ) async throws -> [DoubleSharing] {
        guard count > 0 else { return [] }
        var shares = try await HIMExtraction.run(
            sharings: 2 * count, opening: nil, context: context, session: session, disputes: &disputes, using: &generator
        ).shares
        defer { zeroize(&shares) }
        let xPowerT = FieldElement(UInt64(context.partyID)).power(UInt64(context.threshold))
        return (0..<count).map { DoubleSharing(degreeT: shares[$0], degree2T: shares[$0] + xPowerT * shares[count + $0]) }
    }
}
