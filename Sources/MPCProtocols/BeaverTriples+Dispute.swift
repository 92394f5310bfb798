import Algebra

extension BeaverTriples {
    /// The dispute of a failed batch (Hirt, Maurer & Przydatek, ASIACRYPT 2000): opens the batch's a, b, r, s
    /// (degree t, robust), recomputes every party's masked share and compares it with what that party sent us.
    /// Wrong or malformed → `excluded` for good; missing when the round ran to the deadline (`waitedOut`) →
    /// `absent`, for this batch only; missing because we stopped listening early → nothing (it proves nothing).
    /// Parties whose dispute shares are off the proven polynomials are excluded too.
    static func dispute(
        a: [FieldElement], b: [FieldElement], r: [FieldElement], s: [FieldElement], columns: [[FieldElement]?],
        malformed: Set<Int>, waitedOut: Bool, context: PartyContext, session: SessionID,
        excluded: inout Set<Int>, absent: inout Set<Int>
    ) async throws {
        let n = context.partyCount, t = context.threshold, count = a.count
        let known = excluded.union(absent)
        var mine = a + b + r + s
        defer { zeroize(&mine) }
        let payload = FieldCoding.encode(mine)  // encoded once, sent to everyone
        let gathered = try await context.gather(session: session, round: 0, payloads: { _ in payload }) {
            correctShares(messages: $0, count: 4 * count, known: known, threshold: t)
        }
        guard let result = gathered.result else { throw MPCError.decodingFailed(index: 0) }
        // Opened values of a discarded batch: public now, nothing to wipe.
        let correct = result.shares, wrong = result.wrong
        excluded.formUnion(wrong)
        for party in 1...n where !known.contains(party) && !wrong.contains(party) {
            if malformed.contains(party) { excluded.insert(party); continue }
            guard let column = columns[party - 1] else {
                if waitedOut { absent.insert(party) }
                continue
            }
            let c = correct[party - 1]
            let expected = maskedProducts(
                a: Array(c[0..<count]), b: Array(c[count..<(2 * count)]), r: Array(c[(2 * count)..<(3 * count)]),
                s: Array(c[(3 * count)...]), party: party, threshold: t
            )
            if column != expected { excluded.insert(party) }
        }
    }

    /// Every party's correct share of each dispute value, if the messages so far prove every value (see
    /// `RobustOpen.provenPolynomial`), and the parties proven to have sent a wrong or malformed dispute share.
    private static func correctShares(
        messages: [[UInt8]?], count: Int, known: Set<Int>, threshold t: Int
    ) -> (shares: [[FieldElement]], wrong: Set<Int>)? {
        let n = messages.count
        var wrong = Set<Int>()
        var shares = [[FieldElement]?](repeating: nil, count: n)
        for party in 1...n where !known.contains(party) {
            guard let message = messages[party - 1] else { continue }
            shares[party - 1] = FieldCoding.decode(message, count: count)
            if shares[party - 1] == nil { wrong.insert(party) }
        }
        var correct = [[FieldElement]](repeating: [FieldElement](repeating: .zero, count: count), count: n)
        for index in 0..<count {
            let active = (1...n).filter { shares[$0 - 1] != nil && !wrong.contains($0) }
            let ys = active.map { shares[$0 - 1]![index] }
            guard let polynomial = RobustOpen.provenPolynomial(
                parties: active, shares: ys, degree: t, budget: max(0, t - known.count - wrong.count)
            ) else { return nil }
            for (party, y) in zip(active, ys) where polynomial.evaluate(at: FieldElement(UInt64(party))) != y { wrong.insert(party) }
            for party in 1...n { correct[party - 1][index] = polynomial.evaluate(at: FieldElement(UInt64(party))) }
        }
        return (correct, wrong)
    }
}
