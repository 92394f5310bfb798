import CSecp256k1

/// A recoverable ECDSA signature over a 32-byte digest as Ethereum writes it: 65 bytes r ‖ s ‖ v with v = 27 + the
/// recovery id (27 or 28), s low. This is the form eth-account's `signature` and Solidity's `ecrecover` use.
public struct RecoverableSignature: Sendable, Hashable {
    /// The 65 bytes r ‖ s ‖ v.
    public let bytes: [UInt8]

    /// Parses 65 bytes r ‖ s ‖ v; v must be 27 or 28. Range and low-s checks happen on recovery.
    public init(bytes: [UInt8]) throws(SignatureError) {
        guard bytes.count == 65, bytes[64] == 27 || bytes[64] == 28 else { throw .invalidSignature }
        self.bytes = bytes
    }

    /// From libsecp256k1's compact form and recovery id (0 or 1).
    init(compact: [UInt8], recoveryID: Int32) {
        bytes = compact + [UInt8(27 + recoveryID)]
    }

    /// The 32 bytes of r.
    public var r: [UInt8] { Array(bytes[0..<32]) }
    /// The 32 bytes of s.
    public var s: [UInt8] { Array(bytes[32..<64]) }
    /// 27 or 28.
    public var v: UInt8 { bytes[64] }

    /// The 65-byte uncompressed public key that made this signature over `digest`.
    public func recoverPublicKey(digest: [UInt8]) throws(SignatureError) -> [UInt8] {
        guard digest.count == 32 else { throw .invalidDigestLength(digest.count) }
        var publicKey = [UInt8](repeating: 0, count: 65)
        let recovered = csecp256k1_recover(&publicKey, digest, Array(bytes[0..<64]), Int32(v) - 27)
        guard recovered == 1 else { throw .invalidSignature }
        return publicKey
    }

    /// The address of the key that made this signature over `digest`.
    public func recoverAddress(digest: [UInt8]) throws(SignatureError) -> EthereumAddress {
        try EthereumAddress(publicKey: recoverPublicKey(digest: digest))
    }

    /// Whether the key behind `address` signed `digest` (false for any malformed input).
    public func verify(digest: [UInt8], address: EthereumAddress) -> Bool {
        (try? recoverAddress(digest: digest)) == address
    }

    /// Whether the 65-byte uncompressed `publicKey` signed `digest` (plain ECDSA verification, ignoring v).
    public func verify(digest: [UInt8], publicKey: [UInt8]) -> Bool {
        guard digest.count == 32, publicKey.count == 65 else { return false }
        return csecp256k1_verify(digest, Array(bytes[0..<64]), publicKey) == 1
    }
}
