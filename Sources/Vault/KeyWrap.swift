import Crypto
import SecureMemory

/// AES-256-GCM wrapping of a data key under a 32-byte key-encryption key: `nonce ‖ ciphertext ‖ tag`.
/// Shared by the root-key sources that hold their key-encryption key in memory (password, file).
enum KeyWrap {
    static func wrap(_ dataKey: SecretBytes, under key: SymmetricKey, associatedData: [UInt8]) throws -> [UInt8] {
        let sealed = try dataKey.withUnsafeBytes { plaintext in
            try AES.GCM.seal(plaintext, using: key, authenticating: associatedData)
        }
        guard let combined = sealed.combined else { throw VaultError.kdfFailed("AES-GCM produced no combined box") }
        return Array(combined)
    }

    /// Unwraps, or throws `error` (e.g. `.wrongRootKey`, `.wrongPassword`) when authentication fails.
    static func unwrap(_ wrapped: [UInt8], under key: SymmetricKey, associatedData: [UInt8],
                       error failure: VaultError) throws -> SecretBytes {
        guard wrapped.count >= 12 + 16 else { throw failure }
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped)
            var plaintext = Array(try AES.GCM.open(box, using: key, authenticating: associatedData))
            defer { plaintext.zeroize() }
            return SecretBytes(plaintext)
        } catch { throw failure }
    }

    /// A `SymmetricKey` over a copy of secret bytes (swift-crypto zeroizes its own storage).
    static func symmetricKey(_ secret: SecretBytes) -> SymmetricKey {
        secret.withUnsafeBytes { SymmetricKey(data: $0) }
    }
}
