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
///    (a uniformly random degree-2t polynomial) and sets [c] = [r] + (ab − r). The open accepts a value only
///    when 2t + 1 + e shares prove it (e = t − parties proven wrong; `RobustOpen`), waiting up to the deadline.
/// 2. At n = 3t + 1 a degree-2t sharing has only t redundant shares: wrong shares are detected, not corrected.
///    So every party echoes a TurboSHAKE128 digest of what it decoded, and the parties run Byzantine agreement
///    (phase king) on "I decoded and n − t echoed my digest". Yes: parties that failed receive the values from
///    those that decoded and accept the ones matching a digest echoed t + 1 times. No: dispute — the batch's
///    a, b, r, s are opened robustly, every party recomputes everyone's correct share, and the batch is redone
///    (Hirt, Maurer & Przydatek, ASIACRYPT 2000, dispute control). A party that sent a wrong or malformed share
///    is excluded for good; one whose share was still missing at the deadline only for the rest of this batch
///    (slow is not corrupt). Each dispute excludes a new party at some honest party, so at most t·(n − t) occur.
/// Honest case: 3t + 6 rounds per batch, about (n − 1)·8 bytes per triple per party.
public enum BeaverTriples {
    public static func generate(count: Int, prss: PRSS, context: PartyContext, session: SessionID) async throws -> [BeaverTriple] {
        var excluded = Set<Int>()
        return try await generate(count: count, prss: prss, context: context, session: session, excluded: &excluded)
    }

    /// `excluded`: parties this party has proven to have sent wrong shares (ignored, and no longer counted in
    /// the error budget); kept across batches. Parties that were only missing are never added to it.
    public static func generate(
        count: Int, prss: PRSS, context: PartyContext, session: SessionID, excluded: inout Set<Int>
    ) async throws -> [BeaverTriple] {
        let n = context.partyCount, t = context.threshold, me = context.partyID
        var absent = Set<Int>()  // silent beyond the deadline in this batch
        for attempt in 0...UInt64(t * n + 1) {
            let attemptSession = session.child("attempt", attempt)
            var a = prss.randomShares(count: count, session: attemptSession.child("a"))
            var b = prss.randomShares(count: count, session: attemptSession.child("b"))
            var r = prss.randomShares(count: count, session: attemptSession.child("r"))
            var s = prss.randomShares(count: count, session: attemptSession.child("s"))
            // The batch's own shares are wiped when the attempt ends (the triples handed out are copies).
            defer { zeroize(&a); zeroize(&b); zeroize(&r); zeroize(&s) }
            let masked = maskedProducts(a: a, b: b, r: r, s: s, party: me, threshold: t)
            var columns = [[FieldElement]?](repeating: nil, count: n)
            var malformed = Set<Int>()
            let known = excluded.union(absent)
            let payload = FieldCoding.encode(masked)  // encoded once, sent to everyone
            let round0 = try await context.gather(session: attemptSession, round: 0, payloads: { _ in payload }) {
                for party in 1...n where columns[party - 1] == nil && !malformed.contains(party) {
                    guard let message = $0[party - 1] else { continue }
                    columns[party - 1] = FieldCoding.decode(message, count: count)
                    if columns[party - 1] == nil { malformed.insert(party) }
                }
                return try? RobustOpen.decode(
                    columns: columns, degree: 2 * t, threshold: t, count: count, excluded: known.union(malformed)
                )
            }
            excluded.formUnion(malformed)
            let decoded = round0.result
            let digest = decoded.map { batchDigest(FieldCoding.encode($0)) } ?? []
            // A party that decoded may stop listening once n − t echoed its digest; one that failed waits for all.
            let echoes = try await context.gather(session: attemptSession, round: 1, payloads: { _ in digest }) { echoes in
                decoded != nil && echoes.filter { $0 == digest }.count >= n - t ? true : nil
            }.messages
            let confirmed = decoded != nil && echoes.filter { $0 == digest }.count >= n - t
            let agreed = try await ByzantineAgreement.agree(confirmed, context: context, session: attemptSession.child("agree"))
            if agreed {
                let values: [FieldElement]
                if let decoded {
                    try await sendOpened(decoded, digest: digest, echoes: echoes, context: context, session: attemptSession)
                    values = decoded
                } else {
                    let received = try await receiveOpened(echoes: echoes, count: count, context: context, session: attemptSession)
                    guard let received else { throw MPCError.decodingFailed(index: 0) }
                    values = received
                }
                return (0..<count).map { BeaverTriple(a: a[$0], b: b[$0], c: r[$0] + values[$0]) }
            }
            try await dispute(
                a: a, b: b, r: r, s: s, columns: columns, malformed: malformed, waitedOut: round0.complete,
                context: context, session: attemptSession.child("dispute"), excluded: &excluded, absent: &absent
            )
        }
        throw MPCError.decodingFailed(index: 0)
    }

    /// Step 2, "yes", at a party that decoded: sends the values to every party that did not echo its digest.
    private static func sendOpened(
        _ values: [FieldElement], digest: [UInt8], echoes: [[UInt8]?], context: PartyContext, session: SessionID
    ) async throws {
        // Encoded only if someone needs it (in the honest case nobody does).
        let payload = echoes.contains { $0 != digest } ? FieldCoding.encode(values) : []
        _ = try await context.gather(session: session, round: 2, payloads: { echoes[$0 - 1] == digest ? [] : payload }) { _ in true }
    }

    /// Step 2, "yes", at a party that failed: some honest party saw n − t echoes, so ≥ t + 1 honest parties
    /// echoed the right digest to everyone and send the values; accepts the first payload with that digest.
    private static func receiveOpened(
        echoes: [[UInt8]?], count: Int, context: PartyContext, session: SessionID
    ) async throws -> [FieldElement]? {
        let t = context.threshold
        let digests = Dictionary(grouping: echoes.compactMap { $0 }.filter { $0.count == 32 }, by: { $0 })
        guard let right = digests.first(where: { $0.value.count >= t + 1 })?.key else {
            _ = try await context.exchangeAll(session: session, round: 2) { _ in [] }
            return nil
        }
        let delivered = try await context.gather(session: session, round: 2, payloads: { _ in [] }) { messages in
            messages.first { $0.map { !$0.isEmpty && batchDigest($0) == right } ?? false } ?? nil
        }
        return delivered.result.flatMap { FieldCoding.decode($0, count: count) }
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
}
