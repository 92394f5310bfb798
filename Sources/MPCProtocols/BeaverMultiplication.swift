import Algebra

/// Multiplication of shared values with Beaver triples (Beaver, CRYPTO 1991): open d = x − a and e = y − b
/// robustly (degree t, so up to t wrong shares are corrected), then [xy] = [c] + d[b] + e[a] + de.
public enum BeaverMultiplication {
    public static func multiply(
        _ x: [FieldElement], _ y: [FieldElement], triples: [BeaverTriple], context: PartyContext, session: SessionID
    ) async throws -> [FieldElement] {
        guard x.count == y.count, triples.count >= x.count else {
            throw MPCError.invalidParameters("multiply: \(x.count)·\(y.count) values with \(triples.count) triples")
        }
        let count = x.count
        var masked = [FieldElement](repeating: .zero, count: 2 * count)
        for k in 0..<count {
            masked[k] = x[k] - triples[k].a
            masked[count + k] = y[k] - triples[k].b
        }
        let opened = try await RobustOpen.open(masked, context: context, session: session)
        return (0..<count).map { k in
            let d = opened[k], e = opened[count + k]
            // A public constant is added by every party (it is a degree-0 Shamir sharing).
            return triples[k].c + d * triples[k].b + e * triples[k].a + d * e
        }
    }
}
