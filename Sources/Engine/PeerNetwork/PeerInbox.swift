import MPCProtocols

/// The inbound side of the peer network (DESIGN §6): what other cores delivered, held per (session, round,
/// sender) until the protocol running that session receives it. Messages for a session that has not started
/// here yet are buffered; every byte buffered from a peer counts against that peer's quota, so a hostile or
/// runaway peer is refused (RESOURCE_EXHAUSTED, to that peer only) instead of growing this core's memory;
/// anything not received within `expiry` (a session that never starts, or leftovers of one that ended) is
/// dropped. An actor: the mailboxes are shared between the gRPC handlers and the protocol tasks.
public actor PeerInbox {
    public struct Limits: Sendable {
        /// Bytes buffered from one peer at most (whole messages and chunks being reassembled).
        public var bytesPerPeer: Int
        /// How long an unreceived message (or an unfinished chunked one) is kept.
        public var expiry: Duration
        /// Chunks one message may be split into at most.
        public var maxChunks: Int

        public init(bytesPerPeer: Int = 64 << 20, expiry: Duration = .seconds(120), maxChunks: Int = 1024) {
            self.bytesPerPeer = bytesPerPeer
            self.expiry = expiry
            self.maxChunks = maxChunks
        }
    }

    public struct Key: Hashable, Sendable {
        public var session: SessionID
        public var round: UInt64
        public var sender: Int
        public init(session: SessionID, round: UInt64, sender: Int) {
            self.session = session
            self.round = round
            self.sender = sender
        }
    }

    /// One incoming message or chunk, as the peer service decoded it.
    public struct Delivery: Sendable {
        public var key: Key
        public var payload: [UInt8]
        public var chunkIndex: Int
        public var chunkCount: Int
        public init(key: Key, payload: [UInt8], chunkIndex: Int = 0, chunkCount: Int = 1) {
            self.key = key
            self.payload = payload
            self.chunkIndex = chunkIndex
            self.chunkCount = chunkCount
        }
    }

    private struct Stored {
        var payload: [UInt8]
        var arrived: ContinuousClock.Instant
    }

    private struct Partial {
        var chunks: [[UInt8]?]
        var received = 0
        var bytes = 0
        var started: ContinuousClock.Instant
    }

    /// A receive waiting for its message: one `receive`, or one party of a round's `receiveEach`.
    private struct Waiter {
        enum Resume {
            case one(CheckedContinuation<[UInt8]?, Never>)
            case round(AsyncStream<RoundReceiver.Event>.Continuation)
        }

        let id: UInt64
        let resume: Resume
        var deadline: ContinuousClock.Instant
        /// A round's receive: how much longer it waits, after `.late`, once `deadline` has passed (zero: no longer).
        var extra: Duration = .zero

        /// Hands the receiver its message, or nil when it gave up.
        func finish(_ key: Key, with payload: [UInt8]?) {
            switch resume {
            case .one(let continuation): continuation.resume(returning: payload)
            case .round(let sink): sink.yield(.arrived(key.sender, payload))
            }
        }
    }

    public let limits: Limits
    private let clock = ContinuousClock()
    private var stored: [Key: Stored] = [:]
    private var partial: [Key: Partial] = [:]
    private var waiters: [Key: Waiter] = [:]
    /// Keys already received here, kept until expiry so that a retransmission is acknowledged, not re-buffered.
    private var consumed: [Key: ContinuousClock.Instant] = [:]
    private var bufferedBytes: [Int: Int] = [:]
    private var nextWaiter: UInt64 = 0
    private var lastSweep: ContinuousClock.Instant
    /// When freed memory was last handed back after a refusal (at most once a second).
    private var lastTrim: ContinuousClock.Instant
    /// Messages and bytes refused for quota, per peer (for health and tests).
    public private(set) var refusedMessages: [Int: Int] = [:]
    /// Sessions whose every message goes to a listener instead of a mailbox (`subscribe`).
    private var subscriptions: [SessionID: AsyncStream<Delivery>.Continuation] = [:]
    /// Expires waiters past their deadline: one task that sleeps until the earliest deadline, replaced when a receive
    /// with an earlier one starts, and ended when it wakes to find nothing waiting. (A sleeping task per receive cost
    /// a task, a timer and a wake-up per message, ≈ 1,800 timers a second per core at 50 euint64/s; a task waking
    /// every 10 ms while anything waits, 100 timer wake-ups a second per core.)
    private var expiry: Task<Void, Never>?
    /// When the expiry task wakes next.
    private var expiryWake: ContinuousClock.Instant?
    /// Whether the expiry task runs (it ends at its first wake-up with no receive waiting: an idle core keeps at most
    /// one sleeping task, until the deadline it was set for).
    var expiryRunning: Bool { expiry != nil }
    /// Receives waiting for their message (for tests).
    var waitingReceives: Int { waiters.count }
    /// How often the expiry task has woken up (for tests).
    private(set) var expiryWakeUps = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
        lastSweep = clock.now
        lastTrim = clock.now - .seconds(2)
    }

    /// Bytes currently buffered from `peer`.
    public func buffered(from peer: Int) -> Int { bufferedBytes[peer, default: 0] }

    /// Accepts one message or chunk. A duplicate of a message already held or received is acknowledged and
    /// ignored (the first copy wins: a peer cannot replace what it said). Throws RESOURCE_EXHAUSTED when the
    /// sender's quota is full and INVALID_ARGUMENT for impossible chunking.
    public func deliver(_ delivery: Delivery) throws(EngineError) {
        let now = clock.now
        sweepIfDue(now)
        let key = delivery.key
        if stored[key] != nil || consumed[key] != nil { return }
        guard delivery.chunkCount <= 1 else {
            try deliverChunk(delivery, now: now)
            return
        }
        try complete(key, payload: delivery.payload, now: now)
    }

    /// The message `sender` sent for (session, round), waiting up to `timeout`; nil if none arrived in time.
    public func receive(_ key: Key, timeout: Duration) async -> [UInt8]? {
        if let payload = takeStored(key, now: clock.now) { return payload }
        nextWaiter += 1
        let id = nextWaiter
        // A cancelled receive (a round that returned early) gives up its place at once.
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters.removeValue(forKey: key)?.finish(key, with: nil)
                guard !Task.isCancelled else {
                    continuation.resume(returning: nil)
                    return
                }
                let deadline = clock.now + timeout
                waiters[key] = Waiter(id: id, resume: .one(continuation), deadline: deadline)
                scheduleExpiry(at: deadline)
            }
        } onCancel: {
            Task { await self.expireWaiter(key, id: id) }
        }
    }

    /// One round's receives (`Network.receiveEach`): the messages of `keys` (one round, several senders) as they
    /// arrive, those already buffered first. One registration and one stream per round instead of a receiving task
    /// per sender, so that a message goes from the inbox straight to the protocol's round.
    public func receiveEach(_ keys: [Key], timeout: Duration, extra: Duration) -> RoundReceiver {
        let (events, sink) = AsyncStream.makeStream(of: RoundReceiver.Event.self)
        let now = clock.now
        var registered: [(key: Key, id: UInt64)] = []
        for key in keys {
            if let payload = takeStored(key, now: now) {
                sink.yield(.arrived(key.sender, payload))
                continue
            }
            nextWaiter += 1
            waiters.removeValue(forKey: key)?.finish(key, with: nil)
            waiters[key] = Waiter(id: nextWaiter, resume: .round(sink), deadline: now + timeout, extra: extra)
            registered.append((key, nextWaiter))
        }
        if !registered.isEmpty { scheduleExpiry(at: now + timeout) }
        let waiting = registered
        return RoundReceiver(events: events) { [weak self] in
            sink.finish()
            guard let self, !waiting.isEmpty else { return }
            Task { await self.cancelWaiters(waiting) }
        }
    }

    /// Every message of `session`, whatever its round, as it arrives (announcements whose rounds the receiver
    /// cannot know in advance, e.g. the decryption pool's batches), those already buffered first. A later subscription to the same session
    /// replaces this one; `unsubscribe` ends the stream.
    public func subscribe(session: SessionID) -> AsyncStream<Delivery> {
        let (stream, continuation) = AsyncStream.makeStream(of: Delivery.self, bufferingPolicy: .bufferingNewest(1024))
        subscriptions.updateValue(continuation, forKey: session)?.finish()
        // What arrived before the listener did (a peer that started first) is handed over, oldest first.
        let now = clock.now
        for key in stored.filter({ $0.key.session == session }).sorted(by: { $0.value.arrived < $1.value.arrived }).map(\.key) {
            if let payload = takeStored(key, now: now) { continuation.yield(Delivery(key: key, payload: payload)) }
        }
        return stream
    }

    public func unsubscribe(session: SessionID) {
        subscriptions.removeValue(forKey: session)?.finish()
    }

    // MARK: Internals

    /// A buffered message handed to its receiver: out of the sender's quota, remembered as received.
    private func takeStored(_ key: Key, now: ContinuousClock.Instant) -> [UInt8]? {
        guard let message = stored.removeValue(forKey: key) else { return nil }
        bufferedBytes[key.sender, default: 0] -= message.payload.count
        consumed[key] = now
        return message.payload
    }

    private func complete(_ key: Key, payload: [UInt8], now: ContinuousClock.Instant) throws(EngineError) {
        if let listener = subscriptions[key.session] {
            consumed[key] = now
            listener.yield(Delivery(key: key, payload: payload))
            return
        }
        if let waiter = waiters.removeValue(forKey: key) {
            consumed[key] = now
            waiter.finish(key, with: payload)
            return
        }
        try reserve(payload.count, from: key.sender, now: now)
        stored[key] = Stored(payload: payload, arrived: now)
    }

    private func deliverChunk(_ delivery: Delivery, now: ContinuousClock.Instant) throws(EngineError) {
        let key = delivery.key
        guard delivery.chunkCount <= limits.maxChunks, (0..<delivery.chunkCount).contains(delivery.chunkIndex) else {
            throw .invalidArgument("chunk \(delivery.chunkIndex) of \(delivery.chunkCount) is out of range")
        }
        var entry = partial[key] ?? Partial(chunks: Array(repeating: nil, count: delivery.chunkCount), started: now)
        guard entry.chunks.count == delivery.chunkCount else {
            throw .invalidArgument("chunk count \(delivery.chunkCount) differs from earlier chunks (\(entry.chunks.count))")
        }
        if entry.chunks[delivery.chunkIndex] != nil { return }
        try reserve(delivery.payload.count, from: key.sender, now: now)
        entry.chunks[delivery.chunkIndex] = delivery.payload
        entry.received += 1
        entry.bytes += delivery.payload.count
        guard entry.received == entry.chunks.count else {
            partial[key] = entry
            return
        }
        partial.removeValue(forKey: key)
        bufferedBytes[key.sender, default: 0] -= entry.bytes
        var payload: [UInt8] = []
        payload.reserveCapacity(entry.bytes)
        for chunk in entry.chunks { payload.append(contentsOf: chunk!) }
        try complete(key, payload: payload, now: now)
    }

    /// Counts `bytes` against `peer`'s quota, after dropping expired entries if that makes room.
    private func reserve(_ bytes: Int, from peer: Int, now: ContinuousClock.Instant) throws(EngineError) {
        if bufferedBytes[peer, default: 0] + bytes > limits.bytesPerPeer {
            sweep(now)
        }
        guard bufferedBytes[peer, default: 0] + bytes <= limits.bytesPerPeer else {
            refusedMessages[peer, default: 0] += 1
            if now - lastTrim >= .seconds(1) {
                lastTrim = now
                MemoryProtection.releaseFreedMemory()
            }
            throw .resourceExhausted("peer \(peer) has \(bufferedBytes[peer, default: 0]) bytes buffered here (quota \(limits.bytesPerPeer))")
        }
        bufferedBytes[peer, default: 0] += bytes
    }

    private func expireWaiter(_ key: Key, id: UInt64) {
        guard let waiter = waiters[key], waiter.id == id else { return }
        waiters.removeValue(forKey: key)
        waiter.finish(key, with: nil)
    }

    /// A round stopped waiting (`RoundReceiver.cancel`): its receives still outstanding go, without an event.
    private func cancelWaiters(_ registered: [(key: Key, id: UInt64)]) {
        for (key, id) in registered where waiters[key]?.id == id { waiters.removeValue(forKey: key) }
    }

    /// Makes sure the expiry task wakes by `deadline`: a new task if none runs or the running one sleeps longer.
    private func scheduleExpiry(at deadline: ContinuousClock.Instant) {
        if let wake = expiryWake, wake <= deadline { return }
        expiry?.cancel()
        expiryWake = deadline
        expiry = Task { [clock] in
            var next = deadline
            while true {
                try? await clock.sleep(until: next, tolerance: nil)
                // A replaced task returns without touching the waiters: its successor owns them.
                guard !Task.isCancelled else { return }
                expiryWakeUps += 1
                guard let earliest = self.expireDue() else { return }
                next = earliest
            }
        }
    }

    /// Resumes every waiter whose deadline passed with nil; the earliest deadline left (the expiry task's next
    /// wake-up), or nil (and the expiry task ends) when none waits.
    private func expireDue() -> ContinuousClock.Instant? {
        let now = clock.now
        var earliest: ContinuousClock.Instant?
        var expired: [Key] = []
        for (key, waiter) in waiters {
            var deadline = waiter.deadline
            if deadline <= now, waiter.extra > .zero, case .round(let sink) = waiter.resume {
                // A round's receive past its timeout: the round hears it is late, the receive waits `extra` more.
                sink.yield(.late(key.sender))
                deadline = deadline + waiter.extra
                waiters[key]?.deadline = deadline
                waiters[key]?.extra = .zero
            }
            if deadline <= now {
                expired.append(key)
            } else if earliest.map({ deadline < $0 }) ?? true {
                earliest = deadline
            }
        }
        for key in expired { waiters.removeValue(forKey: key)?.finish(key, with: nil) }
        expiryWake = earliest
        if earliest == nil { expiry = nil }
        return earliest
    }

    private func sweepIfDue(_ now: ContinuousClock.Instant) {
        if now - lastSweep >= .seconds(1) { sweep(now) }
    }

    /// Drops messages, chunks and consumed markers older than the expiry.
    private func sweep(_ now: ContinuousClock.Instant) {
        lastSweep = now
        let horizon = limits.expiry
        for (key, message) in stored where now - message.arrived > horizon {
            stored.removeValue(forKey: key)
            bufferedBytes[key.sender, default: 0] -= message.payload.count
        }
        for (key, entry) in partial where now - entry.started > horizon {
            partial.removeValue(forKey: key)
            bufferedBytes[key.sender, default: 0] -= entry.bytes
        }
        consumed = consumed.filter { now - $0.value <= horizon }
    }
}
