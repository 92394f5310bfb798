import Algebra

/// Random degree-t sharings with guaranteed output at a cost per sharing linear in n, by hyper-invertible
/// matrices (Beerliová-Trubíniová & Hirt, "Perfectly-secure MPC with linear communication complexity", TCC 2008,
/// §4 "Generating random sharings"; Damgård & Nielsen, CRYPTO 2007, §4 for the double sharings built on them).
/// One attempt (`HIMBatch` holds the local computations):
/// 0. Every party deals one random degree-t sharing per slot.
/// 1. Everyone applies M to each slot's n dealt sharings. Of the n outputs, 2t are sent to their checkers (2t
///    distinct parties per slot) and n − 2t are kept. When the caller opens something computed from the kept
///    sharings (the masked products of `DoubleSharingTriples`), it goes in the same round, to everyone.
/// 2. Each checker tells everyone whether all of its checked outputs have degree t (and, with an opening, each
///    party echoes a digest of what it decoded); 3. Byzantine agreement on each complaint and on "I decoded and
///    n − t echoed my digest" (as `BeaverTriples`).
/// Why it is right and private (BTH08 Lemma 2): at least n − t dealers and t of each slot's checkers are honest.
/// If no honest checker complains, the n − t honest inputs and the t honestly checked outputs — n of the 2n
/// values of x and y = M·x — are consistent degree-t sharings, and they determine all the others linearly, so
/// every output is one too. Given the ≤ t corrupt inputs, the n − t honest inputs map one-to-one onto the n − 2t
/// kept outputs plus the ≤ t outputs checked by corrupt parties, so the kept outputs are uniform and independent
/// of everything the adversary sees.
/// On failure, `HIMFaultLocalization` finds new disputes or eliminations and the batch is redone; every failure
/// makes progress, so at most t·(n + 1) attempts fail. Honest case: 3t + 7 rounds.
enum HIMExtraction {
    /// A degree-2t open computed from this party's kept sharings, sent with the check values: `masked(kept,
    /// party)` is what `party` sends when its kept shares are `kept` (recomputed for others by fault localization).
    struct Opening {
        let count: Int
        let masked: ([FieldElement], Int) -> [FieldElement]
    }

    /// Deviations a corrupt party can make beyond what a faulty network does to its messages (tests only).
    struct Deviation: OptionSet {
        let rawValue: Int
        /// Complains about its checks whatever it received.
        static let complain = Deviation(rawValue: 1)
    }

    /// This party's shares of `sharings` random degree-t sharings (more may come out; the first `sharings` are
    /// the ones to use) and, with an opening, the opened values. `disputes` is updated with what the batch proved.
    static func run<G: RandomNumberGenerator>(
        sharings: Int, opening: Opening?, context: PartyContext, session: SessionID,
        disputes: inout HIMDisputeState, using generator: inout G, deviation: Deviation = []
    ) async throws -> (shares: [FieldElement], opened: [FieldElement]) {
        let n = context.partyCount, t = context.threshold, me = context.partyID
        guard sharings > 0, disputes.partyCount == n else {
            throw MPCError.invalidParameters("HIM extraction: \(sharings) sharings, dispute state for \(disputes.partyCount) of \(n) parties")
        }
        let matrix = HyperInvertibleMatrix(size: n)
        // Disputes and eliminations proven only by a missing message, for this batch only (slow is not corrupt).
        var absent = HIMDisputeState(partyCount: n)
        for attempt in 0...UInt64(t * (n + 1)) {
            let attemptSession = session.child("attempt", attempt)
            let batch = HIMBatch(context: context, sharings: sharings, matrix: matrix, state: disputes.merged(with: absent))
            var coefficients = batch.drawCoefficients(using: &generator)
            defer { zeroize(&coefficients) }
            let dealt = try await context.exchangeListening(session: attemptSession, round: 0, to: batch) { party in
                batch.ignores(party) ? [] : FieldCoding.encode(batch.shares(of: coefficients, dealer: me, for: party))
            }
            var received = ShareMatrix(messages: dealt, count: batch.slots, length: batch.slots) { !batch.ignores($0) }
            var (kept, checked) = batch.extract(received)
            defer {
                zeroize(&kept)
                zeroize(&checked)
                zeroize(&received.values)
            }
            var masked = opening?.masked(kept, me) ?? []
            defer { zeroize(&masked) }
            let checkCount = batch.checkCount(for: me), openCount = masked.count
            let maskedBytes = FieldCoding.encode(masked)
            let round1 = try await context.exchangeListening(session: attemptSession, round: 1, to: batch) { party in
                batch.ignores(party) ? [] : batch.checkMessage(checked, for: party, tail: maskedBytes)
            }
            let length = checkCount + openCount
            let checks = ShareMatrix(messages: round1, count: checkCount, length: length) { !batch.ignores($0) }
            let checksPassed = checkCount == 0 || checks.fastOpen(degree: t, budget: 0) != nil
            // A party missing here was awaited up to the deadline: like `BeaverTriples`' absent parties, it counts
            // as corrupt for this open (the error budget shrinks by it), not beyond.
            let excluded = batch.ignored.union((1...n).filter { round1[$0 - 1] == nil })
            var opened: [FieldElement]?
            if opening != nil {
                let shares = ShareMatrix(messages: round1, offset: checkCount, count: openCount, length: length) { !batch.ignores($0) }
                opened = shares.fastOpen(degree: 2 * t, budget: max(0, t - excluded.count), excluded: excluded) ?? (try? RobustOpen.decode(
                    columns: shares.columns, degree: 2 * t, threshold: t, count: openCount, excluded: excluded
                ))
            }
            let digest = opened.map { BeaverTriples.batchDigest(FieldCoding.encode($0)) } ?? []
            // Every complaint must reach every honest party, so this round waits for all the live parties.
            let verdicts = try await context.exchangeListening(session: attemptSession, round: 2, to: batch, all: true) { _ in
                [checksPassed && !deviation.contains(.complain) ? 0 : 1] + digest
            }
            let complaints = (1...n).map { !batch.state.isEliminated($0) && verdicts[$0 - 1]?.first == 1 }
            let echoes = verdicts.map { $0.flatMap { $0.count == 33 ? Array($0.dropFirst()) : nil } }
            let confirmed = opening == nil || (opened != nil && echoes.filter { $0 == digest }.count >= n - t)
            let agreed = try await ByzantineAgreement.agree(
                complaints + [confirmed], context: context, session: attemptSession.child("agree")
            )
            if !agreed[..<n].contains(true) && agreed[n] {
                guard let opening else { return (kept, []) }
                let values = try await deliver(
                    opened, digest: digest, echoes: echoes, count: opening.count, context: context, session: attemptSession
                )
                return (kept, values)
            }
            let findings = try await HIMFaultLocalization.run(
                batch: batch, coefficients: coefficients, dealt: dealt, round1: round1, opening: opening,
                complaints: Array(agreed[..<n]), context: context, session: attemptSession.child("localize")
            )
            disputes.apply(findings.proven, threshold: t)
            absent.apply(findings.absent, threshold: t)
            // A party overloaded only when counting this batch's disputes is eliminated for this batch only.
            var combined = disputes.merged(with: absent)
            combined.eliminateOverloaded(threshold: t)
            for party in combined.eliminated where !disputes.isEliminated(party) { absent.eliminate(party) }
        }
        throw MPCError.decodingFailed(index: 0)
    }

    /// After an agreed "yes": a party that decoded sends the values to every party whose echo differs from its
    /// digest; one that did not accepts the first payload whose digest t + 1 parties echoed (at least one honest,
    /// and honest parties echo only right values). Some honest party saw n − t echoes, so t + 1 honest ones send.
    private static func deliver(
        _ opened: [FieldElement]?, digest: [UInt8], echoes: [[UInt8]?], count: Int, context: PartyContext, session: SessionID
    ) async throws -> [FieldElement] {
        let payload = opened.map(FieldCoding.encode) ?? []
        let counts = echoes.compactMap { $0 }.reduce(into: [[UInt8]: Int]()) { $0[$1, default: 0] += 1 }
        let right = opened == nil ? counts.first { $0.value >= context.threshold + 1 }?.key : digest
        let delivered = try await context.gather(
            session: session, round: 3, payloads: { opened != nil && echoes[$0 - 1] != digest ? payload : [] }
        ) { messages in
            opened ?? messages.lazy.compactMap { $0 }.first { !$0.isEmpty && BeaverTriples.batchDigest($0) == right }
                .flatMap { FieldCoding.decode($0, count: count) }
        }
        guard let values = opened ?? delivered.result else { throw MPCError.decodingFailed(index: 0) }
        return values
    }
}

extension HIMDisputeState {
    /// One finding of fault localization.
    enum Finding: Sendable, Hashable {
        case dispute(Int, Int)
        case eliminate(Int)
    }

    mutating func apply(_ findings: [Finding], threshold: Int) {
        for finding in findings {
            switch finding {
            case let .dispute(a, b): addDispute(a, b)
            case let .eliminate(party): eliminate(party)
            }
        }
        eliminateOverloaded(threshold: threshold)
    }
}

extension PartyContext {
    /// A round that waits (up to the deadline) for the messages of the parties `batch`'s party listens to — or,
    /// with `all`, of every live party — and not for the others.
    func exchangeListening(
        session: SessionID, round: Int, to batch: HIMBatch, all: Bool = false, payloads: (Int) -> [UInt8]
    ) async throws -> [[UInt8]?] {
        let awaited = (1...partyCount).filter { all ? !batch.state.isEliminated($0) : !batch.ignores($0) }
        return try await gather(session: session, round: round, payloads: payloads) { messages in
            awaited.allSatisfy { messages[$0 - 1] != nil } ? true : nil
        }.messages
    }
}
