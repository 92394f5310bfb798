import Algebra
import MPCProtocols

/// A fault the in-memory network applies to the messages one party sends (in one round or all rounds).
public enum NetworkFault: Sendable, Hashable {
    /// The message is never delivered (a silent party). The receiver sees what it would see once its timeout
    /// expired, at once (and so does any later receive, e.g. one waiting up to the deadline), so tests with
    /// silent parties do not wait for real timeouts.
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
    /// Which messages of `party` a fault applies to: nil filters match everything.
    struct FaultRule { let party: Int; let round: Int?; let session: SessionID?; let recipient: Int?; let fault: NetworkFault }

    public let partyCount: Int
    private var mailboxes: [Key: [UInt8]?] = [:]  // .some(nil): dropped, reported as a timeout
    private var waiters: [Key: (id: Int, continuation: CheckedContinuation<[UInt8]?, Never>)] = [:]
    private var faults: [FaultRule] = []
    private var nextWaiter = 0

    public init(partyCount: Int) { self.partyCount = partyCount }

    /// The network endpoint of one party.
    public nonisolated func endpoint(_ party: Int) -> InMemoryNetwork { InMemoryNetwork(hub: self, partyID: party) }

    /// Applies `fault` to what `party` sends, in `round` only or (nil) in every round, optionally only in one
    /// session and only to one recipient. The most specific matching rule wins (the latest among equals).
    public func inject(_ fault: NetworkFault, party: Int, round: Int? = nil, session: SessionID? = nil, to recipient: Int? = nil) {
        faults.append(FaultRule(party: party, round: round, session: session, recipient: recipient, fault: fault))
    }

    private func fault(from: Int, to: Int, session: SessionID, round: Int) -> NetworkFault? {
        var best: (specificity: Int, fault: NetworkFault)?
        for rule in faults where rule.party == from {
            guard rule.round.map({ $0 == round }) ?? true, rule.session.map({ $0 == session }) ?? true,
                  rule.recipient.map({ $0 == to }) ?? true else { continue }
            let specificity = [rule.round != nil, rule.session != nil, rule.recipient != nil].filter { $0 }.count
            if specificity >= best?.specificity ?? 0 { best = (specificity, rule.fault) }
        }
        return best?.fault
    }

    func send(_ payload: [UInt8], from: Int, to: Int, session: SessionID, round: Int) {
        let key = Key(from: from, to: to, session: session, round: round)
        switch fault(from: from, to: to, session: session, round: round) {
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
            if payload == nil { mailboxes[key] = .some(nil) }  // a later receive sees the drop at once too
        } else if mailboxes[key] == nil {
            mailboxes[key] = .some(payload)  // a duplicate of a delivered message is ignored
        }
    }

    func receive(key: Key, timeout: Duration) async -> [UInt8]? {
        // A dropped message stays reported as dropped, so a second receive (waiting longer) also returns at once.
        if case .some(.none) = mailboxes[key] { return nil }
        if let message = mailboxes.removeValue(forKey: key) { return message }
        nextWaiter += 1
        let id = nextWaiter
        // A cancelled receive (a round that stopped listening early) gives up its place at once.
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[key] = (id, continuation)
                if Task.isCancelled { expire(key: key, id: id); return }
                Task { try? await Task.sleep(for: timeout); self.expire(key: key, id: id) }
            }
        } onCancel: {
            Task { await self.expire(key: key, id: id) }
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
