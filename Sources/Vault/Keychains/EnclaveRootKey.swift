import Foundation
import SecureMemory

/// The enclave keychain's root key (DESIGN §5, issue 5 item 3): data keys are wrapped by AWS KMS, and unwrapped
/// by a KMS Decrypt that carries the enclave's attestation document as `Recipient`, so a KMS key policy with
/// `kms:RecipientAttestation:PCR…` conditions releases keys only to the expected enclave image. KMS then answers
/// with `CiphertextForRecipient`, a CMS envelope for the RSA key whose public half the document carries, so the
/// data key never crosses the network or the parent instance in the clear.
/// Before sending, the document is verified here against the same policy (PCRs, chain to the configured root,
/// fresh nonce, timestamp, our public key), so a core never presents — or trusts — an attestation that its own
/// policy refuses.
public struct EnclaveRootKey: RootKeySource {
    /// Produces an attestation document for a nonce and the enclave's recipient public key (DER
    /// SubjectPublicKeyInfo); in production the Nitro Secure Module (/dev/nsm) does.
    public typealias AttestationProvider = @Sendable (_ nonce: [UInt8], _ publicKey: [UInt8]) async throws -> [UInt8]

    /// What to do when KMS answers an attested Decrypt with `Plaintext` instead of `CiphertextForRecipient`.
    public enum PlaintextAnswer: Sendable {
        /// Refuse it: real AWS KMS never does this, so it means an endpoint that ignores the attestation.
        case refuse
        /// Accept it: only for KMS emulators that ignore `Recipient` (moto in the test suite).
        case acceptForTesting
    }

    public let kms: AWSKMSRootKey
    public let policy: NitroAttestationPolicy
    public let attestation: AttestationProvider
    public let clock: @Sendable () -> Date
    public let recipientKey: EnclaveRecipientKey
    public let plaintextAnswer: PlaintextAnswer

    public var kind: String { "enclave" }

    public init(kms: AWSKMSRootKey, policy: NitroAttestationPolicy, attestation: @escaping AttestationProvider,
                recipientKey: EnclaveRecipientKey? = nil, plaintextAnswer: PlaintextAnswer = .refuse,
                clock: @escaping @Sendable () -> Date = { Date() }) throws(VaultError) {
        try policy.validate()
        self.kms = kms
        self.policy = policy
        self.attestation = attestation
        self.clock = clock
        if let recipientKey { self.recipientKey = recipientKey } else { self.recipientKey = try EnclaveRecipientKey.generate() }
        self.plaintextAnswer = plaintextAnswer
    }

    public func wrap(dataKey: SecretBytes, associatedData: [UInt8]) async throws -> [UInt8] {
        try await kms.wrap(dataKey: dataKey, associatedData: associatedData)
    }

    /// A fresh attestation document for a random nonce and our recipient key, verified against `policy`.
    public func attest() async throws -> [UInt8] {
        let nonce = SecretBytes.random(count: 32).withUnsafeBytes { Array($0) }
        let document = try await attestation(nonce, recipientKey.publicKeyDER)
        let verified = try await NitroAttestation.verify(document, policy: policy, expectedNonce: nonce, now: clock())
        guard verified.publicKey == recipientKey.publicKeyDER else {
            throw VaultError.attestationRejected(reason: "public_key is not this enclave's recipient key")
        }
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
        if answer["CiphertextForRecipient"] != nil {
            var envelope = try AWSKMSClient.base64Field(answer, "CiphertextForRecipient", operation: "Decrypt")
            defer { for index in envelope.indices { envelope[index] = 0 } }
            return try recipientKey.open(envelope)
        }
        guard plaintextAnswer == .acceptForTesting else {
            throw VaultError.recipientEnvelopeRejected(
                reason: "KMS answered the attested Decrypt without CiphertextForRecipient (endpoint ignores Recipient?)")
        }
        // The JSON answer's base64 String cannot be zeroized (Swift strings are immutable); only the decoded copy is.
        var plaintext = try AWSKMSClient.base64Field(answer, "Plaintext", operation: "Decrypt")
        defer { for index in plaintext.indices { plaintext[index] = 0 } }
        return SecretBytes(plaintext)
    }
}
