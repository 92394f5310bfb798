/// What can go wrong when loading keys, parsing addresses or signatures, and encoding EIP-712 messages.
public enum SignatureError: Error, Equatable, Sendable {
    /// The secret key is not 32 bytes, or is zero or not below the secp256k1 group order.
    case invalidSecretKey
    /// A public key is not 65 bytes of uncompressed point (0x04 ‖ x ‖ y) on the curve.
    case invalidPublicKey
    /// A digest is not 32 bytes.
    case invalidDigestLength(Int)
    /// A signature is not 65 bytes r ‖ s ‖ v with v 27 or 28, r and s in range and s low, or recovers no key.
    case invalidSignature
    /// libsecp256k1's context could not be created or blinded (no system randomness): nothing can be signed.
    case libraryUnavailable
    /// libsecp256k1 refused to sign (unusable context or a recovery id above 1, both practically impossible).
    case signingFailed
    /// An address is not "0x" followed by 40 hex digits (or 20 bytes).
    case invalidAddress(String)
    /// A mixed-case address whose letters do not match its EIP-55 checksum.
    case checksumMismatch(String)
    /// A fixed-size field (uint256, bytes32) has too many bytes or the wrong length.
    case invalidFieldLength(field: String, expected: Int, actual: Int)
}
