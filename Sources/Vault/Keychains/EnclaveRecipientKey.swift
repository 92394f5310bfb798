import Crypto
import _CryptoExtras
import Foundation
import SecureMemory

/// The enclave's own RSA key pair for KMS's attested Decrypt: its public key goes into the attestation document
/// (`public_key`), and KMS answers with `CiphertextForRecipient`, a CMS envelope that only this private key opens
/// (AWS KMS Developer Guide, "How AWS Nitro Enclaves uses AWS KMS"). The key lives only in memory: its PKCS#8
/// bytes are held in `SecretBytes` (zeroized on release) and parsed for each use.
public struct EnclaveRecipientKey: Sendable {
    private let privateKeyDER: SecretBytes
    /// The SubjectPublicKeyInfo (DER) that the attestation document must carry.
    public let publicKeyDER: [UInt8]

    /// A fresh RSA-2048 key pair (KMS accepts 2048-, 3072- and 4096-bit recipient keys).
    public static func generate() throws(VaultError) -> EnclaveRecipientKey {
        do {
            let key = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
            var der = key.derRepresentation
            defer { der.resetBytes(in: 0..<der.count) }
            return EnclaveRecipientKey(privateKeyDER: SecretBytes(der), publicKeyDER: Array(key.publicKey.derRepresentation))
        } catch {
            throw .invalidConfiguration("cannot generate the enclave's RSA recipient key: \(error)")
        }
    }

    /// Opens a `CiphertextForRecipient` envelope: RSAES-OAEP-SHA-256 unwraps the content key, AES-256-CBC
    /// (PKCS #7 padding) decrypts the content. A wrong key or a tampered envelope is a typed error.
    public func open(_ envelope: [UInt8]) throws(VaultError) -> SecretBytes {
        let parsed = try CMSEnvelopedData.parse(envelope)
        let privateKey: _RSA.Encryption.PrivateKey
        do {
            privateKey = try privateKeyDER.withUnsafeBytes { try _RSA.Encryption.PrivateKey(derRepresentation: Data($0)) }
        } catch {
            throw .recipientEnvelopeRejected(reason: "the recipient key does not parse: \(error)")
        }
        for recipient in parsed.recipients {
            guard var contentKey = try? privateKey.decrypt(recipient.encryptedKey, padding: .PKCS1_OAEP_SHA256) else { continue }
            defer { contentKey.resetBytes(in: 0..<contentKey.count) }
            guard contentKey.count == 32 else {
                throw .recipientEnvelopeRejected(reason: "content key is \(contentKey.count) bytes, AES-256 needs 32")
            }
            do {
                var plaintext = try AES._CBC.decrypt(parsed.encryptedContent, using: SymmetricKey(data: contentKey),
                                                     iv: AES._CBC.IV(ivBytes: parsed.initializationVector))
                defer { plaintext.resetBytes(in: 0..<plaintext.count) }
                return SecretBytes(plaintext)
            } catch {
                throw .recipientEnvelopeRejected(reason: "AES-256-CBC content does not decrypt (tampered envelope?)")
            }
        }
        throw .recipientEnvelopeRejected(reason: "no recipient entry opens with this enclave's key (envelope made for another key?)")
    }
}
