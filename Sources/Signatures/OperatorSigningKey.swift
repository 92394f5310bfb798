import CSecp256k1
import SecureMemory

/// A core's secp256k1 operator key: signs its results; its address is the core's identity towards full nodes.
/// The secret stays in zeroized `SecretBytes`; printing, debugging and reflection show only the address.
public struct OperatorSigningKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let secret: SecretBytes
    /// The 65-byte uncompressed public key 0x04 ‖ x ‖ y.
    public let publicKey: [UInt8]
    /// The Ethereum address of `publicKey`.
    public let address: EthereumAddress

    /// A fresh key from the system's cryptographically secure generator (drawing again in the rare case that
    /// 32 random bytes are not a valid key). Throws `libraryUnavailable` if libsecp256k1 cannot be used.
    public static func generate() throws(SignatureError) -> OperatorSigningKey {
        guard csecp256k1_context_ready() == 1 else { throw .libraryUnavailable }
        while true {
            if let key = try? OperatorSigningKey(secretBytes: SecretBytes.random(count: 32)) { return key }
        }
    }

    /// Loads a key stored with `secretKeyBytes` (32 big-endian bytes, nonzero and below the group order).
    public init(secretBytes: SecretBytes) throws(SignatureError) {
        guard csecp256k1_context_ready() == 1 else { throw .libraryUnavailable }
        guard secretBytes.count == 32 else { throw .invalidSecretKey }
        var publicKey = [UInt8](repeating: 0, count: 65)
        let created = Self.withKeyPointer(secretBytes) { secret in
            csecp256k1_seckey_verify(secret) == 1 && csecp256k1_pubkey_create(&publicKey, secret) == 1
        }
        guard created == true else { throw .invalidSecretKey }
        secret = secretBytes
        self.publicKey = publicKey
        address = try EthereumAddress(publicKey: publicKey)
    }

    /// The 32 secret bytes, for the engine's encrypted vault (the same immutable buffer this key holds).
    public var secretKeyBytes: SecretBytes { secret }

    /// Signs a 32-byte digest (RFC 6979 nonce, low s).
    public func sign(digest: [UInt8]) throws(SignatureError) -> RecoverableSignature {
        guard digest.count == 32 else { throw .invalidDigestLength(digest.count) }
        var compact = [UInt8](repeating: 0, count: 64)
        var recoveryID: Int32 = -1
        let signed = Self.withKeyPointer(secret) { secret in
            csecp256k1_sign_recoverable(&compact, &recoveryID, digest, secret) == 1
        }
        guard signed == true, recoveryID == 0 || recoveryID == 1 else { throw .signingFailed }
        return RecoverableSignature(compact: compact, recoveryID: recoveryID)
    }

    /// Signs an EIP-712 message under `domain`: `sign(digest: message.digest(domain: domain))`.
    public func sign(_ message: some EIP712Message, domain: EIP712Domain) throws(SignatureError) -> RecoverableSignature {
        try sign(digest: message.digest(domain: domain))
    }

    /// Runs `body` on the 32 secret bytes in place (no copy), or returns nil for a buffer of another size.
    private static func withKeyPointer<Result>(
        _ secret: SecretBytes, _ body: (UnsafePointer<UInt8>) -> Result
    ) -> Result? {
        secret.withUnsafeBytes { buffer in
            guard buffer.count == 32, let base = buffer.baseAddress else { return nil }
            return body(base.assumingMemoryBound(to: UInt8.self))
        }
    }

    public var description: String { "OperatorSigningKey(\(address.checksummed))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["address": address.checksummed]) }
}
