/// Whether an object may be read by anyone (plain bytes) or is encrypted at rest (DESIGN §5).
public enum ObjectClass: String, Sendable, Hashable, CaseIterable {
    /// Public keys, server keys, CRS, signed digests: stored as the plain bytes.
    case `public`
    /// Key shares, signing keys: AES-256-GCM under a wrapped data key.
    case `private`
}

/// A stored object's typed id: a kind ("public-key", "key-share" …) and a RequestId-like name.
/// Both are validated so an id can never form a path outside its store (no '/', '.', '..', NUL).
public struct ObjectID: Sendable, Hashable, CustomStringConvertible {
    /// The object's kind: 1–64 characters of `A-Z`, `a-z`, `0-9` and `-`, starting with a letter (public key
    /// objects use the type names of DESIGN §6, e.g. `PublicKey`).
    public let kind: String
    /// The object's name: 1–128 characters of `A-Z`, `a-z`, `0-9`, `-` and `_` (a RequestId is 64 lower-case hex).
    public let name: String

    public init(kind: String, name: String) throws(VaultError) {
        guard !kind.isEmpty, kind.utf8.count <= 64 else {
            throw .invalidObjectID("kind must be 1–64 characters, got \(kind.utf8.count)")
        }
        guard let first = kind.utf8.first,
              (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first),
              kind.utf8.allSatisfy(Self.isKindCharacter)
        else { throw .invalidObjectID("kind \(Self.quoted(kind)) must be letters, digits and '-', starting with a letter") }
        guard !name.isEmpty, name.utf8.count <= 128 else {
            throw .invalidObjectID("name must be 1–128 characters, got \(name.utf8.count)")
        }
        guard name.utf8.allSatisfy(Self.isNameCharacter) else {
            throw .invalidObjectID("name \(Self.quoted(name)) may only contain letters, digits, '-' and '_'")
        }
        self.kind = kind
        self.name = name
    }

    /// The id of a RequestId-named object: `requestID` must be 32 bytes as 64 lower-case hex digits (DESIGN §4).
    public static func request(kind: String, requestID: String) throws(VaultError) -> ObjectID {
        guard requestID.utf8.count == 64,
              requestID.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) })
        else { throw .invalidObjectID("request id must be 64 lower-case hex digits without 0x") }
        return try ObjectID(kind: kind, name: requestID)
    }

    public var description: String { "\(kind)/\(name)" }

    /// The bytes bound as associated data for this id in `objectClass` (length-prefixed, unambiguous).
    func associatedData(_ objectClass: ObjectClass) -> [UInt8] {
        var data = Array("kms-vault-object-v1".utf8)
        for field in [objectClass.rawValue, kind, name] {
            let bytes = Array(field.utf8)
            data.append(UInt8(bytes.count))
            data += bytes
        }
        return data
    }

    /// `<class>/<kind>/<name>`: the relative key used by every backend.
    func storageKey(_ objectClass: ObjectClass) -> String { "\(objectClass.rawValue)/\(kind)/\(name)" }

    private static func isKindCharacter(_ byte: UInt8) -> Bool {
        (97...122).contains(byte) || (65...90).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "-")
    }

    private static func isNameCharacter(_ byte: UInt8) -> Bool {
        (97...122).contains(byte) || (65...90).contains(byte) || (48...57).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func quoted(_ text: String) -> String {
        let printable = text.unicodeScalars.map { $0.isASCII && $0.value >= 32 && $0.value < 127 ? String($0) : "?" }
        return "'" + printable.joined().prefix(64) + "'"
    }
}
