import Crypto
import Foundation
import SecureMemory

/// A root key held by AWS KMS (DESIGN §5; TrentBloc-style "KMS as key-encryption key"): data keys are wrapped
/// with KMS Encrypt and unwrapped with Decrypt; the key never leaves KMS. The vault's associated data is bound
/// as the KMS EncryptionContext (`vault-ad` = hex SHA-256 of it), so a wrapped key replayed under another object
/// id or class is refused by KMS itself.
public struct AWSKMSRootKey: RootKeySource {
    public let client: AWSKMSClient
    /// Key id, key ARN, alias name (`alias/…`) or alias ARN.
    public let keyID: String

    public var kind: String { "aws-kms" }

    public init(client: AWSKMSClient, keyID: String) throws(VaultError) {
        guard !keyID.isEmpty else { throw .invalidConfiguration("AWS KMS key id is empty") }
        self.client = client
        self.keyID = keyID
    }

    /// The EncryptionContext that binds a wrapped key to the vault's associated data.
    static func encryptionContext(_ associatedData: [UInt8]) -> [String: String] {
        ["vault-ad": SigV4Signer.hex(SHA256.hash(data: associatedData))]
    }

    public func wrap(dataKey: SecretBytes, associatedData: [UInt8]) async throws -> [UInt8] {
        let plaintext = dataKey.withUnsafeBytes { Data($0).base64EncodedString() }
        let answer = try await client.call("Encrypt", [
            "KeyId": keyID, "Plaintext": plaintext, "EncryptionContext": Self.encryptionContext(associatedData),
        ], keyID: keyID)
        return try AWSKMSClient.base64Field(answer, "CiphertextBlob", operation: "Encrypt")
    }

    public func unwrap(_ wrapped: [UInt8], associatedData: [UInt8]) async throws -> SecretBytes {
        guard !wrapped.isEmpty else { throw VaultError.kmsInvalidCiphertext(keyID: keyID) }
        let answer = try await client.call("Decrypt", [
            "KeyId": keyID, "CiphertextBlob": Data(wrapped).base64EncodedString(),
            "EncryptionContext": Self.encryptionContext(associatedData),
        ], keyID: keyID)
        var plaintext = try AWSKMSClient.base64Field(answer, "Plaintext", operation: "Decrypt")
        defer { for index in plaintext.indices { plaintext[index] = 0 } }
        return SecretBytes(plaintext)
    }

    /// GenerateDataKey (AES_256): a fresh data key and its KMS-wrapped form, bound to `associatedData`.
    /// `unwrap(_:associatedData:)` opens the wrapped form.
    public func generateDataKey(associatedData: [UInt8]) async throws -> (dataKey: SecretBytes, wrapped: [UInt8]) {
        let answer = try await client.call("GenerateDataKey", [
            "KeyId": keyID, "KeySpec": "AES_256", "EncryptionContext": Self.encryptionContext(associatedData),
        ], keyID: keyID)
        let wrapped = try AWSKMSClient.base64Field(answer, "CiphertextBlob", operation: "GenerateDataKey")
        var plaintext = try AWSKMSClient.base64Field(answer, "Plaintext", operation: "GenerateDataKey")
        defer { for index in plaintext.indices { plaintext[index] = 0 } }
        guard plaintext.count == 32 else {
            throw VaultError.kmsError(operation: "GenerateDataKey", code: "MalformedResponse",
                                      message: "data key is \(plaintext.count) bytes, expected 32")
        }
        return (SecretBytes(plaintext), wrapped)
    }
}
