import Algebra

/// Fault localization after a failed attempt of HIM extraction (dispute control as in Beerliová-Trubíniová &
/// Hirt, TCC 2008, §4). The attempt's sharings are discarded, so its dealings can be made public:
/// 1. Every dealer reveals its polynomials, and the parties agree on one version per dealer by Turpin & Coan's
///    extension of binary agreement to long values ("Extending binary Byzantine agreement to multivalued
///    Byzantine agreement", IPL 1984): echo a digest, keep the digest echoed n − t times, vote on whether one
///    was kept n − t times, agree (phase king), and fetch the content from a holder, checked by its digest. An
///    honest dealer's reveal is always agreed; a dealer whose reveal is not is eliminated — for good if the
///    parties agree that two honest parties hold different versions (equivocation), else for this batch (it may
///    only have been slow) — and that is the batch's progress.
/// 2. Each party accuses each dealer whose share to it differed from the revealed polynomial (the agreed version,
///    or — if some reveal was not agreed — its own copy: an honest dealer's reveal never contradicts its dealing),
///    and, when every polynomial is agreed, reports each party whose round-1 message to it (check values, masked
///    products) differs from the one that party's revealed inputs give. Both lists are agreed (phase king, one
///    bit per entry).
/// 3. Each agreed accusation (a, D) is a dispute {a, D}; each agreed report (a, j) is a dispute {a, j} unless j
///    itself accused someone (then j's message may have been right for what j received). An honest party accuses
///    or reports only the guilty, so every dispute contains a corrupt party. Wrong or malformed messages give
///    lasting disputes; missing ones (at the deadline) disputes for this batch only.
/// 4. If nothing was found, every checker whose complaint was agreed is eliminated: an honest checker only
///    complains when shares it received were off a degree-t polynomial, and then, with every polynomial public,
///    some sender's share or some dealer's share differed from the revealed ones — a finding. Likewise an honest
///    party fails to decode or confirm the open only if some share it received was wrong.
/// So every failed attempt adds a dispute or an elimination, which bounds the number of failures.
enum HIMFaultLocalization {
    struct Findings {
        /// From wrong or malformed messages: kept across batches.
        var proven: [HIMDisputeState.Finding] = []
        /// From messages missing at the deadline: for this batch only.
        var absent: [HIMDisputeState.Finding] = []
    }

    static func run(
        batch: HIMBatch, coefficients: [FieldElement], dealt: [[UInt8]?], round1: [[UInt8]?],
        opening: HIMExtraction.Opening?, complaints: [Bool], context: PartyContext, session: SessionID
    ) async throws -> Findings {
        let n = batch.n, me = batch.me, state = batch.state
        let live = (1...n).filter { !state.isEliminated($0) }
        let reveals = try await agreeOnReveals(batch: batch, coefficients: coefficients, context: context, session: session)
        // Lists of this party: bit x − 1 of [accused proven, accused absent, reported proven, reported absent].
        var lists = [UInt64](repeating: 0, count: 4)
        func note(_ verdict: Verdict, _ party: Int, offset: Int) {
            switch verdict {
            case .right: break
            case .wrong: lists[offset] |= 1 << UInt64(party - 1)
            case .missing: lists[offset + 1] |= 1 << UInt64(party - 1)
            }
        }
        for dealer in live where dealer != me && !batch.ignores(dealer) {
            guard let reveal = reveals.polynomials[dealer - 1] else {
                note(reveals.missing.contains(dealer) ? .missing : .wrong, dealer, offset: 0)
                continue
            }
            note(Verdict(dealt[dealer - 1], expected: batch.shares(of: reveal, dealer: dealer, for: me)), dealer, offset: 0)
        }
        // Reports need every polynomial agreed (they recompute other parties' messages from all dealings).
        for party in live where party != me && !batch.ignores(party) && reveals.unusable.isEmpty {
            let inputs = (1...n).map {
                state.separated($0, party) ? nil : batch.shares(of: reveals.polynomials[$0 - 1]!, dealer: $0, for: party)
            }
            let (kept, checked) = batch.extract(ShareMatrix(rows: inputs, count: batch.slots))
            let expected = batch.checkValues(checked, for: me) + (opening?.masked(kept, party) ?? [])
            note(Verdict(round1[party - 1], expected: expected), party, offset: 2)
        }
        let received = try await context.exchangeListening(session: session, round: 4, to: batch, all: true) { _ in
            lists.flatMap { list in withUnsafeBytes(of: list.littleEndian) { Array($0) } }
        }
        let parsed = received.enumerated().map { index, message -> [UInt64]? in
            guard let message, message.count == 32, !state.isEliminated(index + 1) else { return nil }
            return (0..<4).map { word in message[(8 * word)..<(8 * word + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        }
        var bits = [Bool]()
        for kind in 0..<4 {
            for accuser in 1...n {
                for party in 1...n { bits.append(parsed[accuser - 1].map { $0[kind] & 1 << UInt64(party - 1) != 0 } ?? false) }
            }
        }
        let agreed = try await ByzantineAgreement.agree(bits, context: context, session: session.child("accusations"))
        func said(_ kind: Int, _ accuser: Int, _ party: Int) -> Bool { agreed[(kind * n + accuser - 1) * n + party - 1] }
        func fresh(_ a: Int, _ b: Int) -> Bool { a != b && !state.separated(a, b) }

        var findings = Findings(
            proven: reveals.unusable.filter(reveals.equivocated.contains).map { .eliminate($0) },
            absent: reveals.unusable.filter { !reveals.equivocated.contains($0) }.map { .eliminate($0) }
        )
        var accusers = Set<Int>()
        for accuser in live {
            for dealer in live where fresh(accuser, dealer) {
                if said(0, accuser, dealer) { findings.proven.append(.dispute(accuser, dealer)) }
                else if said(1, accuser, dealer) { findings.absent.append(.dispute(accuser, dealer)) }
                else { continue }
                accusers.insert(accuser)
            }
        }
        for reporter in live {
            for party in live where fresh(reporter, party) && !accusers.contains(party) {
                if said(2, reporter, party) { findings.proven.append(.dispute(reporter, party)) }
                else if said(3, reporter, party) { findings.absent.append(.dispute(reporter, party)) }
            }
        }
        if findings.proven.isEmpty && findings.absent.isEmpty {
            findings.proven = live.filter { complaints[$0 - 1] }.map { .eliminate($0) }
        }
        return findings
    }

    /// How a received message compares with what the revealed polynomials say it should have been.
    private enum Verdict {
        case right, wrong, missing

        init(_ message: [UInt8]?, expected: [FieldElement]) {
            guard let message else { self = .missing; return }
            self = FieldCoding.decode(message, count: expected.count) == expected ? .right : .wrong
        }
    }

    private struct Reveals {
        /// Each live dealer's polynomial coefficients: the agreed version if every reveal was agreed (the same
        /// at every honest party), else this party's own copy (nil if missing or malformed), which still supports
        /// its own accusations — an honest dealer's reveal matches its dealing.
        var polynomials: [[FieldElement]?]
        /// Dealers whose reveal did not reach this party.
        var missing: Set<Int>
        /// Dealers whose reveal could not be agreed, and those of them proven to have sent two versions.
        var unusable: [Int] = []
        var equivocated: Set<Int> = []
    }

    /// Step 1 (Turpin & Coan): the dealers' reveals, agreed.
    private static func agreeOnReveals(
        batch: HIMBatch, coefficients: [FieldElement], context: PartyContext, session: SessionID
    ) async throws -> Reveals {
        let n = batch.n, t = batch.t, state = batch.state
        let none = [UInt8](repeating: 0, count: 32)
        func length(_ dealer: Int) -> Int { batch.slots * batch.coefficientCount(of: dealer) }
        let sent = try await context.exchangeListening(session: session, round: 0, to: batch, all: true) { _ in
            FieldCoding.encode(coefficients)
        }
        var reveals = (1...n).map { state.isEliminated($0) ? nil : FieldCoding.decode(sent[$0 - 1], count: length($0)) }
        let digests = (1...n).map { reveals[$0 - 1] == nil ? none : BeaverTriples.batchDigest(sent[$0 - 1]!) }
        let echoes = try await context.exchangeListening(session: session, round: 1, to: batch, all: true) { _ in
            digests.flatMap { $0 }
        }
        // A digest echoed n − t times; only one can be, for all honest parties together (n > 3t).
        let kept = (1...n).map { frequent(echoes, dealer: $0, atLeast: n - t) ?? none }
        let second = try await context.exchangeListening(session: session, round: 2, to: batch, all: true) { _ in
            kept.flatMap { $0 }
        }
        let votes = (1...n).map { state.isEliminated($0) || frequent(second, dealer: $0, atLeast: n - t) != nil }
        // After an agreed yes, ≥ n − 2t honest parties kept the digest, so every honest party sees it n − 2t > t times.
        let candidates = (1...n).map { frequent(second, dealer: $0, atLeast: n - 2 * t) }
        // Proof of equivocation: two versions each held by an honest party (our own, or one echoed t + 1 times).
        // Slowness cannot produce two versions, so this eliminates for good.
        let twoVersions = (1...n).map { dealer in
            Set([digests[dealer - 1]] + frequentAll(echoes, dealer: dealer, atLeast: t + 1)).subtracting([none]).count >= 2
        }
        let agreed = try await ByzantineAgreement.agree(votes + twoVersions, context: context, session: session.child("reveals"))
        let missing = Set((1...n).filter { !state.isEliminated($0) && sent[$0 - 1] == nil })
        let unusable = (1...n).filter { !agreed[$0 - 1] }
        if !unusable.isEmpty {
            return Reveals(
                polynomials: reveals, missing: missing, unusable: unusable, equivocated: Set(unusable.filter { agreed[n + $0 - 1] })
            )
        }
        // Holders of the agreed version send it to the parties that echoed something else.
        let delivered = try await context.exchangeListening(session: session, round: 3, to: batch, all: true) { party in
            var payload = [UInt8]()
            for dealer in 1...n where digests[dealer - 1] != none && candidates[dealer - 1] == digests[dealer - 1]
                && entry(echoes[party - 1], dealer: dealer, of: n).map(Array.init) != digests[dealer - 1] {
                withUnsafeBytes(of: UInt64(dealer).littleEndian) { payload.append(contentsOf: $0) }
                payload += sent[dealer - 1]!
            }
            return payload
        }
        for dealer in 1...n where !state.isEliminated(dealer) && candidates[dealer - 1] != digests[dealer - 1] {
            let copies = delivered.compactMap { $0.flatMap { segment($0, dealer: dealer, of: n, length: length) } }
            guard let candidate = candidates[dealer - 1], let copy = copies.first(where: { BeaverTriples.batchDigest($0) == candidate })
            else { throw MPCError.decodingFailed(index: dealer) }
            reveals[dealer - 1] = FieldCoding.decode(copy, count: length(dealer))
        }
        return Reveals(polynomials: reveals, missing: missing)
    }

    /// Dealer `dealer`'s 32-byte digest in a message of n digests (one per dealer).
    private static func entry(_ message: [UInt8]?, dealer: Int, of n: Int) -> ArraySlice<UInt8>? {
        guard let message, message.count == 32 * n else { return nil }
        return message[(dealer - 1) * 32 ..< dealer * 32]
    }

    /// A digest for `dealer` that at least `count` messages carry (all-zero digests mean "none").
    private static func frequent(_ messages: [[UInt8]?], dealer: Int, atLeast count: Int) -> [UInt8]? {
        frequentAll(messages, dealer: dealer, atLeast: count).first
    }

    /// Every digest for `dealer` that at least `count` messages carry.
    private static func frequentAll(_ messages: [[UInt8]?], dealer: Int, atLeast count: Int) -> [[UInt8]] {
        messages.compactMap { entry($0, dealer: dealer, of: messages.count) }.filter { $0.contains { $0 != 0 } }
            .reduce(into: [[UInt8]: Int]()) { $0[Array($1), default: 0] += 1 }
            .filter { $0.value >= count }.map(\.key)
    }

    /// `dealer`'s reveal in a delivery message: (8-byte dealer id, the dealer's reveal bytes)*.
    private static func segment(_ message: [UInt8], dealer: Int, of n: Int, length: (Int) -> Int) -> [UInt8]? {
        var offset = 0
        while offset + 8 <= message.count {
            let id = message[offset..<(offset + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
            guard (1...n).contains(id) else { return nil }
            let size = 8 * length(id), start = offset + 8
            guard start + size <= message.count else { return nil }
            if id == dealer { return Array(message[start..<(start + size)]) }
            offset = start + size
        }
        return nil
    }
}
