import Algebra
import Synchronization

/// Identifies one protocol run; sub-protocols derive child sessions so their messages never mix.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }

    /// A session for sub-protocol `label` of this one (SplitMix64 mixing of both).
    public func child(_ label: UInt64) -> SessionID {
        var z = value &+ 0x9E37_79B9_7F4A_7C15 &* (label &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return SessionID(z ^ (z >> 31))
    }

    public var description: String { String(value, radix: 16) }
}

/// The only way protocols talk to other parties: point-to-point messages addressed by session and round.
/// Implementations: the in-memory network of tests and benchmarks, and the Engine's gRPC peer network.
/// Timeouts are a parameter; protocols never read a clock themselves.
public protocol Network: Sendable {
    /// This party's id, 1…partyCount.
    var partyID: Int { get }
    var partyCount: Int { get }
    func send(_ payload: [UInt8], to party: Int, session: SessionID, round: Int) async throws
    /// The message `party` sent us for (session, round), or nil if none arrived within `timeout`.
    func receive(from party: Int, session: SessionID, round: Int, timeout: Duration) async throws -> [UInt8]?
}

/// Rounds and bytes one party sent, recorded by every protocol (shared across tasks of one party).
public final class CommunicationMeter: Sendable {
    private struct Counts { var rounds = 0; var bytes = 0; var messages = 0 }
    private let counts = Mutex(Counts())
    public init() {}

    public var rounds: Int { counts.withLock { $0.rounds } }
    public var bytesSent: Int { counts.withLock { $0.bytes } }
    public var messagesSent: Int { counts.withLock { $0.messages } }

    func record(round: Bool = true, messages: Int, bytes: Int) {
        counts.withLock {
            if round { $0.rounds += 1 }
            $0.messages += messages
            $0.bytes += bytes
        }
    }
}

/// What a protocol needs from its party: the network, (n, t), a receive timeout and the meter.
public struct PartyContext: Sendable {
    public let network: any Network
    public let threshold: Int
    public let timeout: Duration
    public let meter: CommunicationMeter

    public init(network: any Network, threshold: Int, timeout: Duration, meter: CommunicationMeter = CommunicationMeter()) throws {
        let n = network.partyCount
        guard n <= 64, threshold >= 0, n >= 3 * threshold + 1 else {
            throw MPCError.invalidParameters("need n ≤ 64 and n ≥ 3t + 1, got n = \(n), t = \(threshold)")
        }
        self.network = network
        self.threshold = threshold
        self.timeout = timeout
        self.meter = meter
    }

    public var partyID: Int { network.partyID }
    public var partyCount: Int { network.partyCount }

    /// One communication round: send `payloads[j]` to every party j (self included, delivered locally),
    /// then collect one message from everyone (nil for silent parties). Index 0 of the result is party 1.
    public func exchange(session: SessionID, round: Int, payloads: (Int) -> [UInt8]) async throws -> [[UInt8]?] {
        var bytes = 0
        var own: [UInt8] = []
        for party in 1...partyCount {
            let payload = payloads(party)
            if party == partyID { own = payload; continue }
            bytes += payload.count
            try await network.send(payload, to: party, session: session, round: round)
        }
        meter.record(messages: partyCount - 1, bytes: bytes)
        return try await withThrowingTaskGroup(of: (Int, [UInt8]?).self) { group in
            for party in 1...partyCount where party != partyID {
                group.addTask {
                    (party, try await network.receive(from: party, session: session, round: round, timeout: timeout))
                }
            }
            var result = [[UInt8]?](repeating: nil, count: partyCount)
            result[partyID - 1] = own
            for try await (party, message) in group { result[party - 1] = message }
            return result
        }
    }

    /// `exchange` with the same payload to everyone.
    public func broadcast(_ payload: [UInt8], session: SessionID, round: Int) async throws -> [[UInt8]?] {
        try await exchange(session: session, round: round) { _ in payload }
    }
}

/// Field elements on the wire: 8 bytes little-endian each. Decoding rejects wrong lengths and
/// non-canonical values, so garbage from a corrupt party becomes a missing share (an erasure).
public enum FieldCoding {
    public static func encode(_ values: [FieldElement]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: values.count * 8) { raw, initialized in
            values.withUnsafeBufferPointer { source in
                let bytes = UnsafeMutableRawBufferPointer(raw)
                for i in 0..<source.count {
                    bytes.storeBytes(of: source[i].value.littleEndian, toByteOffset: i &* 8, as: UInt64.self)
                }
            }
            initialized = values.count * 8
        }
    }

    /// The values, or nil if the length is wrong or a word is not a canonical field element.
    public static func decode(_ bytes: [UInt8]?, count: Int) -> [FieldElement]? {
        guard let bytes, bytes.count == count * 8 else { return nil }
        var ok = true
        let values = [FieldElement](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { raw in
                var invalid: UInt64 = 0
                for i in 0..<count {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))
                    invalid |= word >= FieldElement.modulus ? 1 : 0
                    (out.baseAddress! + i).initialize(to: FieldElement(word))
                }
                ok = invalid == 0
            }
            initialized = count
        }
        return ok ? values : nil
    }
}
