import Foundation

/// Every failure the vault reports: storage, encryption at rest, root keys (DESIGN §5).
/// Messages name the object or setting at fault and never contain key material.
public enum VaultError: Error, Sendable, Equatable, CustomStringConvertible {
    // MARK: Object ids and configuration
    /// An object id's kind or name is not allowed (empty, too long, path separators, non-hex name …).
    case invalidObjectID(String)
    /// A configuration value is unusable (why).
    case invalidConfiguration(String)

    // MARK: Storage
    /// No object with this id is stored.
    case objectNotFound(String)
    /// Another process (or another open store in this process) holds the store's directory lock.
    case storeLocked(path: String)
    /// A file-system call failed (operation, path, errno text).
    case fileSystem(operation: String, path: String, reason: String)
    /// A stored object is shorter than its header says: a torn or truncated write.
    case truncatedObject(String)
    /// A stored object's bytes do not parse as a vault envelope (wrong magic, version or lengths).
    case malformedObject(id: String, reason: String)

    // MARK: S3
    /// The bucket does not exist (S3 NoSuchBucket).
    case bucketNotFound(String)
    /// S3 refused the credentials or the request (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch …).
    case accessDenied(code: String, message: String)
    /// The bucket lives in another region than the one configured.
    case wrongRegion(configured: String, bucketRegion: String?)
    /// Any other S3 error response (HTTP status, S3 error code, message).
    case s3Error(status: Int, code: String, message: String)
    /// The S3 endpoint could not be reached after all retries.
    case s3Unreachable(String)
    /// A stored object is larger than the configured limit for its kind (announced or actual size, limit); it
    /// was refused before being buffered.
    case objectTooLarge(id: String, size: Int?, limit: Int)

    // MARK: Encryption at rest
    /// AES-GCM authentication failed: the object was altered, or was encrypted for another id/class/key.
    case authenticationFailed(String)
    /// A wrapped data key or master key did not unwrap: wrong root key or wrong password.
    case wrongRootKey(kind: String)
    /// The password is wrong (the wrapped master key did not authenticate).
    case wrongPassword
    /// Argon2 parameters below the enforced minimum (which one, what was given, what is required).
    case weakKDFParameters(String)
    /// libargon2 returned an error code.
    case kdfFailed(String)
    /// A root-key file is unusable (missing, wrong size, permissions other than 0600).
    case rootKeyFile(path: String, reason: String)
    /// No password could be read from the configured source.
    case passwordUnavailable(String)

    // MARK: AWS KMS, attestation, custodians (vault-keys2)
    /// AWS KMS has no key with this id or alias (NotFoundException), or the key is disabled.
    case kmsKeyNotFound(keyID: String, message: String)
    /// AWS KMS refused to decrypt: the ciphertext is not for this key or the encryption context differs.
    case kmsInvalidCiphertext(keyID: String)
    /// Any other AWS KMS error response (operation, error type, message).
    case kmsError(operation: String, code: String, message: String)
    /// The AWS KMS endpoint could not be reached, or answered with something that is not KMS JSON.
    case kmsUnreachable(String)
    /// An attestation document was refused (which check failed and why).
    case attestationRejected(reason: String)
    /// KMS's `CiphertextForRecipient` envelope was refused (malformed, unsupported algorithm, another key, tampered),
    /// or KMS answered an attested Decrypt in plaintext although the policy requires the envelope.
    case recipientEnvelopeRejected(reason: String)
    /// A custodian backup or share was refused (which share, why).
    case custodianShareRejected(reason: String)
    /// Fewer valid custodian shares than the threshold.
    case notEnoughShares(have: Int, need: Int)

    public var description: String {
        switch self {
        case .invalidObjectID(let why): "invalid object id: \(why)"
        case .invalidConfiguration(let why): "invalid vault configuration: \(why)"
        case .objectNotFound(let id): "object \(id) not found in the store"
        case .storeLocked(let path):
            "the vault store at \(path) is already open in another process (directory lock held); stop it or use another directory"
        case .fileSystem(let op, let path, let reason): "\(op) failed for \(path): \(reason)"
        case .truncatedObject(let id): "object \(id) is truncated (torn or partial write)"
        case .malformedObject(let id, let reason): "object \(id) is not a valid vault object: \(reason)"
        case .bucketNotFound(let bucket): "S3 bucket \(bucket) does not exist"
        case .accessDenied(let code, let message): "S3 access denied (\(code)): \(message)"
        case .wrongRegion(let configured, let actual):
            "S3 bucket is in region \(actual ?? "another region"), but the vault is configured for \(configured)"
        case .s3Error(let status, let code, let message): "S3 error HTTP \(status) \(code): \(message)"
        case .s3Unreachable(let why): "S3 endpoint unreachable: \(why)"
        case .objectTooLarge(let id, let size, let limit):
            "object \(id) is \(size.map { "\($0) bytes" } ?? "larger than the limit"), over the \(limit)-byte limit for its kind; refused before buffering"
        case .authenticationFailed(let id):
            "object \(id) failed authentication: it was modified or belongs to another id, class or root key"
        case .wrongRootKey(let kind): "the \(kind) root key could not unwrap the data key (wrong root key?)"
        case .wrongPassword: "wrong password: the master key did not unlock"
        case .weakKDFParameters(let why): "Argon2id parameters below the enforced minimum: \(why)"
        case .kdfFailed(let why): "Argon2id failed: \(why)"
        case .rootKeyFile(let path, let reason): "root key file \(path): \(reason)"
        case .passwordUnavailable(let why): "no vault password: \(why)"
        case .kmsKeyNotFound(let keyID, let message): "AWS KMS key \(keyID) not found or not usable: \(message)"
        case .kmsInvalidCiphertext(let keyID):
            "AWS KMS key \(keyID) refused the wrapped key: it belongs to another key or another encryption context"
        case .kmsError(let operation, let code, let message): "AWS KMS \(operation) failed (\(code)): \(message)"
        case .kmsUnreachable(let why): "AWS KMS unreachable: \(why)"
        case .attestationRejected(let reason): "attestation document rejected: \(reason)"
        case .recipientEnvelopeRejected(let reason): "KMS recipient envelope rejected: \(reason)"
        case .custodianShareRejected(let reason): "custodian share rejected: \(reason)"
        case .notEnoughShares(let have, let need): "custodian recovery needs \(need) valid shares, only \(have) given"
        }
    }
}

extension VaultError: LocalizedError {
    public var errorDescription: String? { description }
}
