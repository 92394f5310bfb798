import Crypto
import Foundation

/// Sign-then-encrypt of a `UserDecryptionShare` to the user (DESIGN §3.6): HPKE (RFC 9180) in base mode with the
/// X-Wing KEM (ML-KEM-768 + X25519, KEM id 0x647a), HKDF-SHA256 and AES-256-GCM; the associated data binds the
/// request, the party, the user's address, the ciphertext handle and the user's key, so a share cannot be
/// replayed to another request, user or ciphertext. Output: the X-Wing encapsulation (1,120 bytes) ‖ the sealed share.
public enum UserShareSigncryption {
    public static let ciphersuite = HPKE.Ciphersuite.XWingMLKEM768X25519_SHA256_AES_GCM_256
    public static let info = Data("threshold-kms user decryption v1".utf8)
    public static let encapsulationCount = 1120
    public static let publicKeyCount = 1216

    /// Checks that `bytes` is an X-Wing public key (the request's `encryption_key`).
    public static func publicKey(_ bytes: [UInt8]) throws(UserDecryptionShareError) -> XWingMLKEM768X25519.PublicKey {
        guard bytes.count == publicKeyCount else {
            throw .invalidUserKey("\(bytes.count) bytes, an X-Wing public key has \(publicKeyCount)")
        }
        do { return try XWingMLKEM768X25519.PublicKey(rawRepresentation: bytes) } catch {
            throw .invalidUserKey("not an X-Wing public key")
        }
    }

    /// The core's side: signs `share` with `key` and encrypts it to the binding's user key.
    public static func seal(
        _ share: UserDecryptionShare, binding: UserDecryptionShare.Binding, signer key: OperatorSigningKey
    ) throws(UserDecryptionShareError) -> [UInt8] {
        let recipient = try publicKey(binding.encryptionKey)
        var plaintext: [UInt8]
        do { plaintext = try share.signed(by: key, binding: binding) } catch { throw .encryptionFailed }
        defer { for index in plaintext.indices { plaintext[index] = 0 } }
        do {
            var sender = try HPKE.Sender(recipientKey: recipient, ciphersuite: ciphersuite, info: info)
            let sealed = try sender.seal(plaintext, authenticating: binding.associatedData(partyID: share.partyID))
            return Array(sender.encapsulatedKey) + Array(sealed)
        } catch {
            throw .encryptionFailed
        }
    }

    /// The user's side: opens what party `partyID` sent and checks its signature against `signer`.
    public static func open(
        _ bytes: [UInt8], partyID: Int, binding: UserDecryptionShare.Binding, privateKey: XWingMLKEM768X25519.PrivateKey,
        signer: EthereumAddress?
    ) throws(UserDecryptionShareError) -> UserDecryptionShare {
        guard bytes.count > encapsulationCount else { throw .cannotOpen }
        var plaintext: [UInt8]
        do {
            var recipient = try HPKE.Recipient(
                privateKey: privateKey, ciphersuite: ciphersuite, info: info, encapsulatedKey: Data(bytes.prefix(encapsulationCount)))
            plaintext = Array(try recipient.open(bytes.dropFirst(encapsulationCount), authenticating: binding.associatedData(partyID: partyID)))
        } catch {
            throw .cannotOpen
        }
        defer { for index in plaintext.indices { plaintext[index] = 0 } }
        let share = try UserDecryptionShare(signed: plaintext, binding: binding, signer: signer)
        guard share.partyID == partyID else { throw .malformed("share of party \(share.partyID) sent as party \(partyID)'s") }
        return share
    }

    /// A user key from its 32-byte seed (the form `kms-core-client user-decrypt --user-key` keeps on disk).
    public static func privateKey(seed: [UInt8]) throws(UserDecryptionShareError) -> XWingMLKEM768X25519.PrivateKey {
        guard seed.count == 32 else { throw .invalidUserKey("\(seed.count) bytes, an X-Wing seed has 32") }
        do { return try XWingMLKEM768X25519.PrivateKey(seedRepresentation: seed, publicKey: nil) } catch {
            throw .invalidUserKey("not an X-Wing seed")
        }
    }

    /// `userDecryptedShare` of the EIP-712 `UserDecryptResponseVerification`: every encrypted share of the answer,
    /// each preceded by its length (u32 BE).
    public static func signedShareBytes(_ ciphertexts: [[UInt8]]) -> [UInt8] {
        ciphertexts.flatMap { bigEndian32($0.count) + $0 }
    }
}
