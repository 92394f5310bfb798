import Foundation

/// The enclave keychain's root key (DESIGN §5, issue 5 item 3): data keys are wrapped by AWS KMS, and unwrapped
/// by a KMS Decrypt that carries the enclave's attestation document as `Recipient`, so a KMS key policy with
/// `kms:RecipientAttestation:PCR…` conditions releases keys only to the expected enclave image.
/// Before sending, the document is verified here against the same policy (PCRs, chain to the configured root,
/// fresh nonce, timestamp), so a core never presents — or trusts — an attestation that its own policy refuses.
public struct EnclaveRootKey: RootKeySource {
    /// Produces an attestation document for a nonce (in production: the Nitro Secure Module, /dev/nsm).
    public typealias AttestationProvider = @Sendable (_ nonce: [UInt8]) async throws -> [UInt8]

    public let kms: AWSKMSRootKey
    public let policy: NitroAttestationPolicy
    public let attestation: AttestationProvider
    public let clock: @Sendable () -> Date

    public var kind: String { "enclave" }

    public init(kms: AWSKMSRootKey, policy: NitroAttestationPolicy, attestation: @escaping AttestationProvider,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.kms = kms
        self.policy = policy
        self.attestation = attestation
        self.clock = clock
    }

    public func wrap(dataKey: SecretBytes, associatedData: [UInt8]) async throws -> [UInt8] {
        try await kms.wrap(dataKey: dataKey, associatedData: associatedData)
    }

    /// A fresh attestation document for a random nonce, verified against `policy`.
    public func attest() async throws -> [UInt8] {
        let nonce = SecretBytes.random(count: 32).withUnsafeBytes { Array($0) }
        let document = try await attestation(nonce)
        _ = try await NitroAttestation.verify(document, policy: policy, expectedNonce: nonce, now: clock())
        return document
    }

    public func unwrap(_ wrapped: [UInt8], associatedData: [UInt8]) async throws -> SecretBytes {
        guard !wrapped.isEmpty else { throw VaultError.kmsInvalidCiphertext(keyID: kms.keyID) }
        let document = try await attest()
        let answer = try await kms.client.call("Decrypt", [
            "KeyId": kms.keyID, "CiphertextBlob": Data(wrapped).base64EncodedString(),
            "EncryptionContext": AWSKMSRootKey.encryptionContext(associatedData),
            "Recipient": ["KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                          "AttestationDocument": Data(document).base64EncodedString()],
        ], keyID: kms.keyID)
        if answer["CiphertextForRecipient"] is String {
            // Real KMS answers with a CMS EnvelopedData for the enclave's RSA key; opening it is not implemented.
            throw VaultError.kmsError(operation: "Decrypt", code: "CiphertextForRecipientUnsupported",
                                      message: "KMS returned CiphertextForRecipient (CMS for the enclave key); this build cannot open it")
        }
        var plaintext = try AWSKMSClient.base64Field(answer, "Plaintext", operation: "Decrypt")
        defer { for index in plaintext.indices { plaintext[index] = 0 } }
        return SecretBytes(plaintext)
    }
}
