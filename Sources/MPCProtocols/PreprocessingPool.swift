import Algebra

/// Preprocessing bound to the sessions that consume it: the Beaver triples and random bits a session takes are
/// those of a batch generated under a session derived from the consumer's own id (`base.child("batch …")`), so
/// every party uses the same elements for the same multiplication whatever order concurrent requests arrive
/// in — no shared queue whose order could differ between parties. A caller that knows a session ahead of time
/// (e.g. a key generation's request id) calls `prepare` so the batch is generated in the background, and the
/// online phase only spends its own rounds; `take` without `prepare` generates on demand.
/// A session's batch is handed out at most once and whole: a second take for the session, a take after its
/// generation failed (the batch is discarded whole) or a request that fails after taking never gets or returns
/// elements again — the caller retries under a new session. An actor: shared between producers and consumers.
public actor PreprocessingPool {
    /// The elements of one session: triples and random bits (shares of 0 or 1), degree t.
    public struct Batch: Sendable {
        public var triples: [BeaverTriple]
        public var bits: [FieldElement]
    }

    private let prss: PRSS
    private let context: PartyContext
    private let base: SessionID
    private var producing: [SessionID: (task: Task<Void, Error>, triples: Int, bits: Int)] = [:]
    private var ready: [SessionID: Batch] = [:]
    /// Sessions whose batch was handed out (or is being), failed, or was wiped by `stop`: never served again.
    private var spent = Set<SessionID>()
    /// Parties this party proved to have sent wrong shares; their shares count as missing in later batches.
    public private(set) var excluded = Set<Int>()
    public private(set) var batchesProduced = 0

    public init(prss: PRSS, context: PartyContext, session: SessionID) {
        self.prss = prss
        self.context = context
        self.base = session
    }

    /// Sessions whose batch is being generated or ready and not yet taken.
    public var preparedSessions: Int { Set(producing.keys).union(ready.keys).count }

    /// Starts generating in the background the `triples` triples and `bits` bits `session` will take. Every party
    /// must prepare (or take) the same counts for the same session.
    public func prepare(triples: Int, bits: Int, for session: SessionID) throws {
        guard !spent.contains(session) else { throw Self.spentError(session) }
        if producing[session] == nil && ready[session] == nil { start(triples: triples, bits: bits, for: session) }
    }

    /// The elements bound to `session`: its prepared batch, or one generated now. Throws if they were taken
    /// before, if the counts differ from the prepared ones, or if their generation failed.
    public func take(triples: Int, bits: Int, for session: SessionID) async throws -> Batch {
        guard !spent.contains(session) else { throw Self.spentError(session) }
        spent.insert(session)  // from now on nobody else gets them, whatever happens
        if producing[session] == nil && ready[session] == nil { start(triples: triples, bits: bits, for: session) }
        if let production = producing[session] {
            guard production.triples == triples && production.bits == bits else {
                production.task.cancel()
                throw MPCError.invalidParameters("session \(session) prepared \(production.triples) triples and \(production.bits) bits")
            }
            try await production.task.value
        }
        guard var batch = ready.removeValue(forKey: session) else { throw Self.spentError(session) }
        guard batch.triples.count == triples && batch.bits.count == bits else {
            Self.wipe(&batch)
            throw MPCError.invalidParameters("session \(session) prepared \(batch.triples.count) triples and \(batch.bits.count) bits")
        }
        return batch  // moved out: the pool keeps no copy
    }

    /// Stops background generation and wipes the batches not handed out (their sessions are spent).
    public func stop() {
        for (session, production) in producing {
            production.task.cancel()
            spent.insert(session)
        }
        producing = [:]
        for session in Array(ready.keys) {
            // Moved out of the dictionary, the batch is uniquely referenced, so the wipe reaches its storage.
            if var batch = ready.removeValue(forKey: session) { Self.wipe(&batch) }
            spent.insert(session)
        }
    }

    deinit {
        for session in Array(ready.keys) {
            if var batch = ready.removeValue(forKey: session) { Self.wipe(&batch) }
        }
    }

    private func start(triples: Int, bits: Int, for session: SessionID) {
        let task = Task { try await self.produce(triples: triples, bits: bits, for: session) }
        producing[session] = (task, triples, bits)
    }

    /// Generates the batch of `session` and stores it for `take`; a failed generation stores nothing and
    /// spends the session (its partial results are discarded whole).
    private func produce(triples: Int, bits: Int, for session: SessionID) async throws {
        let batchSession = base.child("batch " + session.description)
        var caught = excluded
        defer { producing[session] = nil }
        do {
            var batch = try await Self.generate(
                triples: triples, bits: bits, prss: prss, context: context, session: batchSession, excluded: &caught
            )
            excluded.formUnion(caught)
            guard producing[session] != nil, !Task.isCancelled else {
                Self.wipe(&batch)  // stopped meanwhile
                return
            }
            ready[session] = batch
            batchesProduced += 1
        } catch {
            excluded.formUnion(caught)
            spent.insert(session)
            throw error
        }
    }

    /// `triples` triples and `bits` bits (the bits consume `bits` further triples).
    private static func generate(
        triples: Int, bits: Int, prss: PRSS, context: PartyContext, session: SessionID, excluded: inout Set<Int>
    ) async throws -> Batch {
        var fresh = try await BeaverTriples.generate(
            count: triples + bits, prss: prss, context: context, session: session.child("triples"), excluded: &excluded
        )
        defer { zeroize(&fresh) }
        var forBits = Array(fresh.suffix(bits))
        defer { zeroize(&forBits) }
        let newBits = try await RandomBits.generate(
            count: bits, triples: forBits, prss: prss, context: context, session: session.child("bits")
        )
        // r = 0 (probability 1/p per bit) drops a bit; all parties see it, and the batch fails as a whole.
        guard newBits.count == bits else { throw MPCError.decodingFailed(index: newBits.count) }
        return Batch(triples: Array(fresh.prefix(triples)), bits: newBits)
    }

    private static func wipe(_ batch: inout Batch) {
        zeroize(&batch.triples)
        zeroize(&batch.bits)
    }

    private static func spentError(_ session: SessionID) -> MPCError {
        .preprocessingUnavailable("the elements of session \(session) were taken, failed or wiped; retry under a new session")
    }
}
