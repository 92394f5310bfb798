/// What a protocol needs from its party: the network, (n, t), the two waiting times and the meter.
/// `timeout` is the fast path: how long a round waits before it looks at what it has. `deadline` is the
/// synchrony bound: an honest party's message always arrives within it, so steps that cannot tolerate a
/// missing honest message (agreement, key setup, an open that cannot yet prove its value) wait that long.
public struct PartyContext: Sendable {
    public let network: any Network
    public let threshold: Int
    public let timeout: Duration
    public let deadline: Duration
    public let meter: CommunicationMeter

    /// `deadline` defaults to `timeout` (no slow path) and must not be shorter.
    public init(
        network: any Network, threshold: Int, timeout: Duration, deadline: Duration? = nil,
        meter: CommunicationMeter = CommunicationMeter()
    ) throws {
        let n = network.partyCount
        guard n <= 64, threshold >= 0, n >= 3 * threshold + 1 else {
            throw MPCError.invalidParameters("need n ≤ 64 and n ≥ 3t + 1, got n = \(n), t = \(threshold)")
        }
        guard (deadline ?? timeout) >= timeout else {
            throw MPCError.invalidParameters("deadline \(deadline ?? timeout) is shorter than the timeout \(timeout)")
        }
        self.network = network
        self.threshold = threshold
        self.timeout = timeout
        self.deadline = deadline ?? timeout
        self.meter = meter
    }

    public var partyID: Int { network.partyID }
    public var partyCount: Int { network.partyCount }

    /// One communication round: send `payloads[j]` to every party j (self included, delivered locally),
    /// then collect one message from everyone within `timeout` (nil for the silent and the late). Index 0 of the
    /// result is party 1. For steps that tolerate missing messages.
    public func exchange(session: SessionID, round: Int, payloads: (Int) -> [UInt8]) async throws -> [[UInt8]?] {
        let own = try await send(session: session, round: round, payloads: payloads)
        return try await collect(own: own, session: session, round: round, extra: .zero) { _ -> Bool? in nil }.messages
    }

    /// `exchange` with the same payload to everyone.
    public func broadcast(_ payload: [UInt8], session: SessionID, round: Int) async throws -> [[UInt8]?] {
        try await exchange(session: session, round: round) { _ in payload }
    }

    /// A round that waits for every message up to the deadline (nil only for parties silent that long).
    public func exchangeAll(session: SessionID, round: Int, payloads: (Int) -> [UInt8]) async throws -> [[UInt8]?] {
        try await gather(session: session, round: round, payloads: payloads) { _ -> Bool? in nil }.messages
    }

    /// `exchangeAll` with the same payload to everyone.
    public func broadcastAll(_ payload: [UInt8], session: SessionID, round: Int) async throws -> [[UInt8]?] {
        try await exchangeAll(session: session, round: round) { _ in payload }
    }

    /// A round in which only `leader` speaks: it sends `payload()` to every other party and gets it back; every
    /// other party waits up to the deadline for the leader's message (nil if it stays silent that long) and sends
    /// nothing, so the round costs n − 1 messages instead of an exchange's n(n − 1), and nobody waits for anyone
    /// but the leader.
    public func fromLeader(_ leader: Int, session: SessionID, round: Int, payload: () -> [UInt8]) async throws -> [UInt8]? {
        guard partyID != leader else {
            let bytes = payload()
            return try await send(session: session, round: round) { _ in bytes }
        }
        meter.record(messages: 0, bytes: 0)
        return try await network.receive(from: leader, session: session, round: round, timeout: deadline)
    }

    /// What `gather` ends with. `complete`: every message arrived or the deadline passed (a message still
    /// missing then is from a party silent beyond the synchrony bound); false if `accept` succeeded earlier.
    public struct Gathered<R> {
        public let messages: [[UInt8]?]
        public let result: R?
        public let complete: Bool
    }

    /// An incremental round: sends like `exchange`, then returns as soon as every message arrived, or — once
    /// the fast timeout has passed — as soon as `accept` gives a result on what has arrived, or at the deadline.
    /// `accept` must only succeed when the messages so far prove its result (it is called again on each arrival).
    public func gather<R>(
        session: SessionID, round: Int, payloads: (Int) -> [UInt8], accept: ([[UInt8]?]) -> R?
    ) async throws -> Gathered<R> {
        let own = try await send(session: session, round: round, payloads: payloads)
        return try await collect(own: own, session: session, round: round, extra: deadline - timeout, accept: accept)
    }

    /// The receiving half of `exchange` and `gather`: the other parties' messages as they arrive, waiting `timeout`
    /// and then `extra` more; `accept` is tried on each arrival once the timeout has passed for anyone.
    private func collect<R>(
        own: [UInt8], session: SessionID, round: Int, extra: Duration, accept: ([[UInt8]?]) -> R?
    ) async throws -> Gathered<R> {
        var messages = [[UInt8]?](repeating: nil, count: partyCount)
        messages[partyID - 1] = own
        let others = (1...partyCount).filter { $0 != partyID }
        guard !others.isEmpty else { return Gathered(messages: messages, result: accept(messages), complete: true) }
        let receiver = await network.receiveEach(from: others, session: session, round: round, timeout: timeout, extra: extra)
        var pending = others.count
        defer { if pending > 0 { receiver.cancel() } }
        var pastTimeout = false
        for await event in receiver.events {
            switch event {
            case .late: pastTimeout = true
            case let .arrived(party, message):
                messages[party - 1] = message
                pending -= 1
                if message == nil { pastTimeout = true }
            case let .failed(error): throw error
            }
            if pending == 0 { break }
            if pastTimeout, let result = accept(messages) { return Gathered(messages: messages, result: result, complete: false) }
        }
        try Task.checkCancellation()
        return Gathered(messages: messages, result: accept(messages), complete: true)
    }

    /// Sends `payloads(j)` to every other party j and records the round; returns this party's own payload.
    private func send(session: SessionID, round: Int, payloads: (Int) -> [UInt8]) async throws -> [UInt8] {
        var bytes = 0
        var own: [UInt8] = []
        for party in 1...partyCount {
            let payload = payloads(party)
            if party == partyID { own = payload; continue }
            bytes += payload.count
            try await network.send(payload, to: party, session: session, round: round)
        }
        meter.record(messages: partyCount - 1, bytes: bytes)
        return own
    }
}
