import Algebra
import MPCProtocols

/// A fault the in-memory network applies to the messages one party sends (in one round or all rounds).
public enum NetworkFault: Sendable, Hashable {
    /// The message is never delivered (a silent party). The receiver sees what it would see once its timeout
    /// expired, at once, so tests with silent parties do not wait for real timeouts.
    case drop
    /// Delivered after the given (virtual-time-free, real sleep) delay.
    case delay(Duration)
    /// Replaced by random bytes of the same length.
    case corrupt
    /// Delivered twice (the receiver keeps the first).
    case duplicate
    /// Delivered after messages sent later.
    case reorder
    /// Even-numbered recipients get a different, well-formed message (every field word + 1).
    case equivocate
}

/// The shared mailbox of an in-memory network: all parties of a test or benchmark in one process.
public actor InMemoryHub {
    struct Key: Hashable { let from: Int; let to: Int; let session: SessionID; let round: Int }
    struct FaultKey: Hashable { let party: Int; let round: Int? }

    public let partyCount: Int
    private var mailboxes: [Key: [UInt8]?] = [:]  // .some(nil): dropped, reported as a timeout
    private var waiters: [Key: (id: Int, continuation: CheckedContinuation<[UInt8]?, Never>)] = [:]
    private var faults: [FaultKey: NetworkFault] = [:]
    private var nextWaiter = 0

    public init(partyCount: Int) { self.partyCount = partyCount }

    /// The network endpoint of one party.
    public nonisolated func endpoint(_ party: Int) -> InMemoryNetwork { InMemoryNetwork(hub: self, partyID: party) }

    /// Applies `fault` to what `party` sends, in `round` only or (nil) in every round.
    public func inject(_ fault: NetworkFault, party: Int, round: Int? = nil) { faults[FaultKey(party: party, round: round)] = fault }

    func send(_ payload: [UInt8], from: Int, to: Int, session: SessionID, round: Int) {
        let key = Key(from: from, to: to, session: session, round: round)
        switch faults[FaultKey(party: from, round: round)] ?? faults[FaultKey(party: from, round: nil)] {
        case nil: deliver(payload, key: key)
        case .drop: deliver(nil, key: key)
        case .delay(let duration):
            Task { try? await Task.sleep(for: duration); self.deliver(payload, key: key) }
        case .corrupt:
            var random = SecureRandom()
            deliver(random.bytes(count: payload.count), key: key)
        case .duplicate:
            deliver(payload, key: key)
            deliver(payload.reversed(), key: key)
        case .reorder:
            Task { await Task.yield(); self.deliver(payload, key: key) }
        case .equivocate:
            deliver(to % 2 == 0 ? Self.shifted(payload) : payload, key: key)
        }
    }

    private static func shifted(_ payload: [UInt8]) -> [UInt8] {
        guard payload.count % 8 == 0, let values = FieldCoding.decode(payload, count: payload.count / 8) else {
            return payload.map { $0 ^ 0x5A }
        }
        return FieldCoding.encode(values.map { $0 + .one })
    }

    private func deliver(_ payload: [UInt8]?, key: Key) {
        if let waiter = waiters.removeValue(forKey: key) {
            waiter.continuation.resume(returning: payload)
        } else if mailboxes[key] == nil {
            mailboxes[key] = .some(payload)  // a duplicate of a delivered message is ignored
        }
    }

    func receive(key: Key, timeout: Duration) async -> [UInt8]? {
        if let message = mailboxes.removeValue(forKey: key) { return message }  // a message, or nil if dropped
        nextWaiter += 1
        let id = nextWaiter
        return await withCheckedContinuation { continuation in
            waiters[key] = (id, continuation)
            Task { try? await Task.sleep(for: timeout); self.expire(key: key, id: id) }
        }
    }

    private func expire(key: Key, id: Int) {
        guard let waiter = waiters[key], waiter.id == id else { return }
        waiters.removeValue(forKey: key)
        waiter.continuation.resume(returning: nil)
    }
}

/// One party's endpoint of an `InMemoryHub`.
public struct InMemoryNetwork: Network {
    let hub: InMemoryHub
    public let partyID: Int
    public var partyCount: Int { hub.partyCount }

    public func send(_ payload: [UInt8], to party: Int, session: SessionID, round: Int) async throws {
        await hub.send(payload, from: partyID, to: party, session: session, round: round)
    }

    public func receive(from party: Int, session: SessionID, round: Int, timeout: Duration) async throws -> [UInt8]? {
        await hub.receive(key: .init(from: party, to: partyID, session: session, round: round), timeout: timeout)
    }
}
