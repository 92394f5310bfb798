import Algebra

/// Identifies one protocol run: 256 bits, so that sessions derived anywhere never collide (a collision would
/// reuse a PRSS stream and a mailbox). Every id is a SHA3-256 hash (FIPS 202) of a domain separator, the
/// derivation kind, the parent id and a length-prefixed label, so distinct derivations give distinct inputs.
/// Stored as four words: hashing and equality are cheap on the network's hot path.
public struct SessionID: Sendable, Hashable, CustomStringConvertible {
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// From 32 bytes: four little-endian words.
    private init(digest bytes: [UInt8]) {
        func word(_ i: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[8 * i + $1]) << (8 * UInt64($1)) }
        }
        w0 = word(0); w1 = word(1); w2 = word(2); w3 = word(3)
    }

    /// The id of these exact 32 bytes (as received from a peer).
    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else { throw MPCError.invalidParameters("session id: expected 32 bytes, got \(bytes.count)") }
        self.init(digest: bytes)
    }

    /// Test and benchmark convenience: the hash of a number (not the number itself).
    public init(_ value: UInt64) {
        self.init(digest: Self.derive(kind: .number, parent: nil, label: [], counter: value))
    }

    /// The 32 bytes (little-endian words), as sent on the wire.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] { withUnsafeBytes(of: word.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// The session of a request: every party derives the same root from the request id the client chose.
    public static func root(requestID: [UInt8], label: String) -> SessionID {
        SessionID(digest: derive(kind: .root, parent: requestID, label: Array(label.utf8), counter: 0))
    }

    /// Sub-protocol number `label` of this session.
    public func child(_ label: UInt64) -> SessionID {
        SessionID(digest: Self.derive(kind: .numbered, parent: bytes, label: [], counter: label))
    }

    /// Sub-protocol `label` (attempt or index `counter`) of this session.
    public func child(_ label: String, _ counter: UInt64 = 0) -> SessionID {
        SessionID(digest: Self.derive(kind: .named, parent: bytes, label: Array(label.utf8), counter: counter))
    }

    public var description: String {
        bytes.map { String($0 >> 4, radix: 16) + String($0 & 0xF, radix: 16) }.joined()
    }

    private enum Kind: UInt8 { case number = 1, root, numbered, named }

    /// SHA3-256(domain ‖ kind ‖ len(parent) ‖ parent ‖ len(label) ‖ label ‖ counter), lengths and counter as
    /// 8-byte little-endian: an injective encoding, so "ab" + "c" and "a" + "bc" hash differently.
    private static func derive(kind: Kind, parent: [UInt8]?, label: [UInt8], counter: UInt64) -> [UInt8] {
        var input = Array("kms.mpc.session.v1".utf8)
        input.append(kind.rawValue)
        func appendWord(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { input.append(contentsOf: $0) } }
        appendWord(UInt64(parent?.count ?? 0))
        input.append(contentsOf: parent ?? [])
        appendWord(UInt64(label.count))
        input.append(contentsOf: label)
        appendWord(counter)
        return SHA3_256.hash(input)
    }
}
