import Algebra

/// A 20-byte Ethereum address: the last 20 bytes of Keccak-256 of an uncompressed public key's x ‖ y.
public struct EthereumAddress: Sendable, Hashable, CustomStringConvertible {
    /// The 20 address bytes.
    public let bytes: [UInt8]

    /// Wraps 20 raw bytes.
    public init(bytes: [UInt8]) throws(SignatureError) {
        guard bytes.count == 20 else { throw .invalidAddress("\(bytes.count) bytes instead of 20") }
        self.bytes = bytes
    }

    /// The address of a 65-byte uncompressed public key (0x04 ‖ x ‖ y).
    public init(publicKey: [UInt8]) throws(SignatureError) {
        guard publicKey.count == 65, publicKey[0] == 0x04 else { throw .invalidPublicKey }
        bytes = Array(Keccak256.hash(publicKey[1...]).suffix(20))
    }

    /// Parses "0x" and 40 hex digits. All-lower or all-upper case digits are accepted as they are; mixed case
    /// must match the EIP-55 checksum.
    public init(hex text: String) throws(SignatureError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 42, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "x") || utf8[1] == UInt8(ascii: "X"),
              let decoded = Hex.decode(utf8[2...])
        else { throw .invalidAddress(text) }
        bytes = decoded
        let digits = utf8[2...]
        let hasLower = digits.contains { (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        let hasUpper = digits.contains { (UInt8(ascii: "A")...UInt8(ascii: "F")).contains($0) }
        if hasLower && hasUpper && String(decoding: digits, as: UTF8.self) != checksummedDigits {
            throw .checksumMismatch(text)
        }
    }

    /// The EIP-55 mixed-case checksum form, "0x" followed by 40 hex digits.
    public var checksummed: String { "0x" + checksummedDigits }

    /// The 40 hex digits, a letter in upper case where the matching nibble of Keccak-256(lower-case hex) is ≥ 8.
    private var checksummedDigits: String {
        let lower = Array(Hex.encode(bytes).utf8)
        let hash = Keccak256.hash(lower)
        let digits = lower.enumerated().map { index, character -> UInt8 in
            let nibble = index % 2 == 0 ? hash[index / 2] >> 4 : hash[index / 2] & 0x0F
            let isLetter = character >= UInt8(ascii: "a")
            return isLetter && nibble >= 8 ? character - 32 : character
        }
        return String(decoding: digits, as: UTF8.self)
    }

    public var description: String { checksummed }
}
