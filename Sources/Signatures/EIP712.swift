import Algebra

/// A struct type of EIP-712 typed data: its `encodeType` string and its members' `encodeData` words.
public protocol EIP712Struct: Sendable {
    /// encodeType: "Name(type1 name1,…)" followed by every referenced struct type, sorted by name.
    static var encodedType: String { get }
    /// encodeData without the leading type hash: one 32-byte word per member, in declaration order.
    var encodedMembers: [UInt8] { get }
}

extension EIP712Struct {
    /// Keccak-256 of `encodedType`.
    public static var typeHash: [UInt8] { Keccak256.hash(Array(encodedType.utf8)) }

    /// hashStruct = Keccak-256(typeHash ‖ encodeData).
    public var structHash: [UInt8] { Keccak256.hash(Self.typeHash + encodedMembers) }
}

/// A struct that is signed on its own (the primary type of a typed-data message).
public protocol EIP712Message: EIP712Struct {}

extension EIP712Message {
    /// The digest that is signed: Keccak-256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)).
    public func digest(domain: EIP712Domain) -> [UInt8] {
        EIP712.digest(domainSeparator: domain.separator, structHash: structHash)
    }
}

/// The encodings of EIP-712's member types into 32-byte words.
public enum EIP712 {
    /// Keccak-256(0x19 0x01 ‖ domainSeparator ‖ structHash).
    public static func digest(domainSeparator: [UInt8], structHash: [UInt8]) -> [UInt8] {
        Keccak256.hash([0x19, 0x01] + domainSeparator + structHash)
    }

    /// `bytes`: Keccak-256 of the contents.
    public static func encode(bytes: [UInt8]) -> [UInt8] { Keccak256.hash(bytes) }

    /// `string`: Keccak-256 of the UTF-8 contents.
    public static func encode(string: String) -> [UInt8] { Keccak256.hash(Array(string.utf8)) }

    /// `address`: left-padded to 32 bytes.
    public static func encode(address: EthereumAddress) -> [UInt8] { [UInt8](repeating: 0, count: 12) + address.bytes }

    /// `uint8`: left-padded to 32 bytes.
    public static func encode(uint8 value: UInt8) -> [UInt8] { [UInt8](repeating: 0, count: 31) + [value] }

    /// `uint64` (or any smaller unsigned integer): big-endian, left-padded to 32 bytes.
    public static func encode(uint64 value: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: 24) + (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }

    /// A `uint256` (or any `uintN`) given as at most 32 big-endian bytes (longer only with leading zeros),
    /// left-padded to 32 bytes.
    public static func uint256(_ bigEndian: [UInt8], field: String = "uint256") throws(SignatureError) -> [UInt8] {
        let significant = bigEndian.drop { $0 == 0 }
        guard significant.count <= 32 else {
            throw .invalidFieldLength(field: field, expected: 32, actual: bigEndian.count)
        }
        return [UInt8](repeating: 0, count: 32 - significant.count) + significant
    }

    /// A `bytes32` value: exactly 32 bytes.
    public static func bytes32(_ bytes: [UInt8], field: String = "bytes32") throws(SignatureError) -> [UInt8] {
        guard bytes.count == 32 else { throw .invalidFieldLength(field: field, expected: 32, actual: bytes.count) }
        return bytes
    }

    /// An array of 32-byte words (`bytes32[]`, `uint256[]`) or of struct hashes (`S[]`): Keccak-256 of their
    /// concatenation.
    public static func encode(words: [[UInt8]]) -> [UInt8] { Keccak256.hash(words.flatMap { $0 }) }
}
