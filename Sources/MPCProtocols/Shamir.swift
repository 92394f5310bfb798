import Algebra

/// Shamir secret sharing of degree t over GF(p) (Shamir 1979): party i holds f(i) for a random f with
/// f(0) = secret. Any t shares are uniformly distributed whatever the secret; t + 1 determine it.
public enum Shamir {
    /// Shares f(1)…f(n) of `secret` with a random degree-`threshold` polynomial.
    public static func share<G: RandomNumberGenerator>(
        _ secret: FieldElement, threshold: Int, partyCount: Int, using generator: inout G
    ) -> [FieldElement] {
        precondition(partyCount <= 64 && threshold < partyCount, "Shamir needs t < n ≤ 64")
        var coefficients = [secret]
        for _ in 0..<threshold { coefficients.append(.random(using: &generator)) }
        let polynomial = Polynomial(coefficients)
        return (1...partyCount).map { polynomial.evaluate(at: FieldElement(UInt64($0))) }
    }

    /// The secret from shares of (party id, share) with no errors: interpolation at 0 of the first t + 1.
    public static func reconstruct(_ shares: [(party: Int, share: FieldElement)], threshold: Int) throws -> FieldElement {
        guard shares.count >= threshold + 1 else { throw MPCError.tooFewShares(received: shares.count, needed: threshold + 1) }
        let used = shares.prefix(threshold + 1)
        return Polynomial.interpolate(
            xs: used.map { FieldElement(UInt64($0.party)) }, ys: used.map(\.share), at: .zero
        )
    }
}
