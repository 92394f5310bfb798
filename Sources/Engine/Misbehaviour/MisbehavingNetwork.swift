import Algebra
import MPCProtocols

/// How a core deliberately misbehaves in the MPC protocols, for tests of the honest cores with real processes
/// (`[test_misbehaviour]`, accepted only in insecure test mode). A separate `Network` type wrapping the honest
/// one: the honest code path has no test branches (DESIGN §6).
public enum Misbehaviour: String, Sendable, CaseIterable {
    /// Every message replaced by random bytes of the same length.
    case garbage
    /// Nothing sent at all.
    case silent
    /// Every message sent `delay` late (an honest but slow core).
    case delay
    /// Even-numbered parties get a different, well-formed message (every field word + 1).
    case equivocate
    /// Honest in the MPC protocols, but every share it returns to a user decryption is off by one (well
    /// signed and encrypted): the user must decode around it and name the core.
    case wrongUserShares = "wrong-user-shares"
}

/// Wraps the honest network of a core and applies its configured misbehaviour to everything it sends.
public struct MisbehavingNetwork: Network {
    let base: any Network
    let behaviour: Misbehaviour
    let delay: Duration

    public init(base: any Network, behaviour: Misbehaviour, delay: Duration) {
        self.base = base
        self.behaviour = behaviour
        self.delay = delay
    }

    public var partyID: Int { base.partyID }
    public var partyCount: Int { base.partyCount }

    public func send(_ payload: [UInt8], to party: Int, session: SessionID, round: Int) async throws {
        switch behaviour {
        case .silent:
            return
        case .wrongUserShares:
            try await base.send(payload, to: party, session: session, round: round)
        case .garbage:
            var random = SecureRandom()
            try await base.send(random.bytes(count: payload.count), to: party, session: session, round: round)
        case .delay:
            // Sent later without holding up this core's own protocol run: a slow link, not a stalled core.
            Task {
                try? await Task.sleep(for: delay)
                try? await base.send(payload, to: party, session: session, round: round)
            }
        case .equivocate:
            try await base.send(party % 2 == 0 ? Self.shifted(payload) : payload, to: party, session: session, round: round)
        }
    }

    public func receive(from party: Int, session: SessionID, round: Int, timeout: Duration) async throws -> [UInt8]? {
        try await base.receive(from: party, session: session, round: round, timeout: timeout)
    }

    public func receiveEach(from parties: [Int], session: SessionID, round: Int, timeout: Duration, extra: Duration) async -> RoundReceiver {
        await base.receiveEach(from: parties, session: session, round: round, timeout: timeout, extra: extra)
    }

    /// The payload with every field word incremented (well-formed, different), or its bytes flipped otherwise.
    static func shifted(_ payload: [UInt8]) -> [UInt8] {
        guard payload.count % 8 == 0, let values = FieldCoding.decode(payload, count: payload.count / 8) else {
            return payload.map { $0 ^ 0x5A }
        }
        return FieldCoding.encode(values.map { $0 + .one })
    }
}
