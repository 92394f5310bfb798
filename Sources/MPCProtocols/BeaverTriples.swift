import Algebra

/// One party's shares of a multiplication triple (a, b, c = a·b), all of degree t.
public struct BeaverTriple: Sendable, Hashable {
    public let a: FieldElement
    public let b: FieldElement
    public let c: FieldElement
    public init(a: FieldElement, b: FieldElement, c: FieldElement) { self.a = a; self.b = b; self.c = c }
}

/// Triples in batches by the double-sharing technique of Damgård & Nielsen (CRYPTO 2007, "Scalable and
/// unconditionally secure multiparty computation", §4), with dispute control for guaranteed output:
/// 1. [a], [b], [r], [s] from PRSS and ⟨r⟩ = [r] + X^t·[s] (degree 2t); everyone opens ⟨ab − r⟩ = [a][b] − ⟨r⟩
///    (a uniformly random degree-2t polynomial) and sets [c] = [r] + (ab − r).
/// 2. At n = 3t + 1 a degree-2t sharing has only t redundant shares: wrong shares are detected, not corrected.
///    So every party echoes a TurboSHAKE128 digest of what it decoded, and the parties run Byzantine agreement (phase king) on
///    "I decoded and n − t echoed my digest". Yes: parties that failed receive the values from those that
///    decoded and accept the ones matching a digest echoed t + 1 times. No: dispute — the batch's a, b, r, s
///    are opened robustly, every party recomputes everyone's correct share, excludes the parties that sent it
///    a wrong one (Hirt, Maurer & Przydatek, ASIACRYPT 2000, dispute control), and the batch is redone.
///    Each dispute excludes at least one corrupt party at some honest party, so at most t·(n − t) occur.
/// Honest case: 3t + 6 rounds per batch, about (n − 1)·8 bytes per triple per party.
public enum BeaverTriples {
    public static func generate(count: Int, prss: PRSS, context: PartyContext, session: SessionID) async throws -> [BeaverTriple] {
        var excluded = Set<Int>()
        return try await generate(count: count, prss: prss, context: context, session: session, excluded: &excluded)
    }

    /// `excluded`: parties this party has caught cheating (their shares are treated as missing); kept across batches.
    public static func generate(
        count: Int, prss: PRSS, context: PartyContext, session: SessionID, excluded: inout Set<Int>
    ) async throws -> [BeaverTriple] {
        let n = context.partyCount, t = context.threshold, me = context.partyID
        for attempt in 0...UInt64(t * n + 1) {
            let attemptSession = session.child(attempt)
            var a = prss.randomShares(count: count, session: attemptSession.child(1))
            var b = prss.randomShares(count: count, session: attemptSession.child(2))
            var r = prss.randomShares(count: count, session: attemptSession.child(3))
            var s = prss.randomShares(count: count, session: attemptSession.child(4))
            // The batch's own shares are wiped when the attempt ends (the triples handed out are copies).
            defer { zeroize(&a); zeroize(&b); zeroize(&r); zeroize(&s) }
            let masked = maskedProducts(a: a, b: b, r: r, s: s, party: me, threshold: t)
            let received = try await context.broadcast(FieldCoding.encode(masked), session: attemptSession, round: 0)
            let columns = (1...n).map { excluded.contains($0) ? nil : FieldCoding.decode(received[$0 - 1], count: count) }
            var opened = try? RobustOpen.decode(columns: columns, degree: 2 * t, threshold: t, count: count)
            let digest = opened.map { batchDigest(FieldCoding.encode($0)) } ?? []
            let echoes = try await context.broadcast(digest, session: attemptSession, round: 1)
            let confirmed = opened != nil && echoes.filter { $0 == digest }.count >= n - t
            let agreed = try await ByzantineAgreement.agree(confirmed, context: context, session: attemptSession.child(5))
            if agreed {
                let knownValues = opened
                let delivered = try await context.exchange(session: attemptSession, round: 2) { party in
                    knownValues != nil && echoes[party - 1] == [] ? FieldCoding.encode(knownValues!) : []
                }
                if opened == nil {
                    // Some honest party was confirmed, so ≥ t + 1 honest parties echoed the right digest to all.
                    let digests = Dictionary(grouping: echoes.compactMap { $0 }.filter { $0.count == 32 }, by: { $0 })
                    guard let right = digests.first(where: { $0.value.count >= t + 1 })?.key,
                          let payload = delivered.first(where: { $0.map { batchDigest($0) } == right }) ?? nil
                    else { throw MPCError.decodingFailed(index: 0) }
                    opened = FieldCoding.decode(payload, count: count)
                }
                guard let values = opened else { throw MPCError.decodingFailed(index: 0) }
                return (0..<count).map { BeaverTriple(a: a[$0], b: b[$0], c: r[$0] + values[$0]) }
            }
            try await dispute(
                a: a, b: b, r: r, s: s, columns: columns, context: context, session: attemptSession.child(6), excluded: &excluded
            )
        }
        throw MPCError.decodingFailed(index: 0)
    }

    /// 256-bit TurboSHAKE128 digest of an opened batch (the echo of step 2): collision resistance 2^128 like
    /// SHA3-256 at 2.5 times the speed, which matters because every party hashes every opened value.
    static func batchDigest(_ bytes: [UInt8]) -> [UInt8] {
        var hash = TurboSHAKE128(domain: 0x0B)
        hash.absorb(bytes)
        return hash.squeeze(count: 32)
    }

    static func maskedProducts(a: [FieldElement], b: [FieldElement], r: [FieldElement], s: [FieldElement], party: Int, threshold: Int) -> [FieldElement] {
        var xPowerT = FieldElement.one
        for _ in 0..<threshold { xPowerT *= FieldElement(UInt64(party)) }
        var masked = [FieldElement](repeating: .zero, count: a.count)
        for k in a.indices { masked[k] = a[k] * b[k] - r[k] - xPowerT * s[k] }
        return masked
    }

    /// Opens the batch's a, b, r, s (degree t, robust), recomputes every party's masked share and excludes
    /// the parties whose message to us was missing or wrong.
    private static func dispute(
        a: [FieldElement], b: [FieldElement], r: [FieldElement], s: [FieldElement], columns: [[FieldElement]?],
        context: PartyContext, session: SessionID, excluded: inout Set<Int>
    ) async throws {
        let n = context.partyCount, t = context.threshold, count = a.count
        var mine = a + b + r + s
        defer { zeroize(&mine) }
        let received = try await context.broadcast(FieldCoding.encode(mine), session: session, round: 0)
        let shares = (1...n).map { excluded.contains($0) ? nil : FieldCoding.decode(received[$0 - 1], count: 4 * count) }
        let active = (1...n).filter { shares[$0 - 1] != nil }
        let possibleErrors = max(0, t - (n - active.count))
        let xs = active.map { FieldElement(UInt64($0)) }
        var correct = [[FieldElement]](repeating: [FieldElement](repeating: .zero, count: 4 * count), count: n)
        for index in 0..<(4 * count) {
            let ys = active.map { shares[$0 - 1]![index] }
            guard let polynomial = ReedSolomonDecoder.decode(xs: xs, ys: ys, degree: t, maxErrors: possibleErrors) else {
                throw MPCError.decodingFailed(index: index)
            }
            for party in 1...n { correct[party - 1][index] = polynomial.evaluate(at: FieldElement(UInt64(party))) }
        }
        for party in 1...n where !excluded.contains(party) {
            let c = correct[party - 1]
            let expected = maskedProducts(
                a: Array(c[0..<count]), b: Array(c[count..<(2 * count)]), r: Array(c[(2 * count)..<(3 * count)]),
                s: Array(c[(3 * count)...]), party: party, threshold: t
            )
            if columns[party - 1] != expected { excluded.insert(party) }
        }
    }
}
