import Algebra
import Synchronization

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
    /// One round's messages from several parties, as they arrive (`RoundReceiver`). A default built on
    /// `receive` (a task per party) serves every network; the peer network answers from its inbox directly.
    func receiveEach(from parties: [Int], session: SessionID, round: Int, timeout: Duration, extra: Duration) async -> RoundReceiver
}

/// Rounds and bytes one party sent, recorded by every protocol (shared across tasks of one party), and the
/// parties its robust opens proved to have sent wrong shares (a share off the decoded polynomial).
public final class CommunicationMeter: Sendable {
    private struct Counts { var rounds = 0; var bytes = 0; var messages = 0; var provenWrong = Set<Int>() }
    private let counts = Mutex(Counts())
    public init() {}

    public var rounds: Int { counts.withLock { $0.rounds } }
    public var bytesSent: Int { counts.withLock { $0.bytes } }
    public var messagesSent: Int { counts.withLock { $0.messages } }
    /// Parties proven to have sent a wrong share in an open measured by this meter.
    public var provenWrong: Set<Int> { counts.withLock { $0.provenWrong } }

    func recordProvenWrong(_ parties: Set<Int>) {
        guard !parties.isEmpty else { return }
        counts.withLock { $0.provenWrong.formUnion(parties) }
    }

    /// Adds what another meter counted (a request's own meter, folded into its epoch's).
    public func add(_ other: CommunicationMeter) {
        let (rounds, bytes, messages, wrong) = other.counts.withLock { ($0.rounds, $0.bytes, $0.messages, $0.provenWrong) }
        counts.withLock {
            $0.rounds += rounds
            $0.bytes += bytes
            $0.messages += messages
            $0.provenWrong.formUnion(wrong)
        }
    }

    func record(round: Bool = true, messages: Int, bytes: Int) {
        counts.withLock {
            if round { $0.rounds += 1 }
            $0.messages += messages
            $0.bytes += bytes
        }
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
