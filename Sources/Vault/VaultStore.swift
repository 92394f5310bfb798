import Crypto
import Metrics
import SecureMemory

/// The vault (DESIGN §5): public objects stored as plain bytes, private objects sealed with AES-256-GCM under a
/// fresh random data key per object. The data key is wrapped by the root key; the object's id and class (and the
/// envelope header) are bound as associated data, so an object moved to another id or class fails to open.
public struct VaultStore: Sendable {
    public let backend: any StorageBackend
    public let rootKey: any RootKeySource

    public init(backend: any StorageBackend, rootKey: any RootKeySource) {
        self.backend = backend
        self.rootKey = rootKey
    }

    // MARK: Public objects

    /// Stores bytes anyone may read (public keys, server keys, CRS, signed digests).
    public func putPublic(_ bytes: [UInt8], id: ObjectID) async throws {
        try await timed("put_public") { try await backend.write(bytes, id: id, objectClass: .public) }
    }

    public func getPublic(_ id: ObjectID) async throws -> [UInt8] {
        try await timed("get_public") { try await backend.read(id: id, objectClass: .public) }
    }

    // MARK: Private objects

    /// Encrypts and stores a secret (key shares, signing keys). The plaintext never reaches the backend.
    public func putPrivate(_ secret: SecretBytes, id: ObjectID) async throws {
        try await timed("put_private") {
            let sealed = try await seal(secret, id: id)
            try await backend.write(sealed, id: id, objectClass: .private)
        }
    }

    /// Reads, authenticates and decrypts a private object. Throws `truncatedObject`, `malformedObject`,
    /// `authenticationFailed` or the root key's error; the stored object is never modified.
    public func getPrivate(_ id: ObjectID) async throws -> SecretBytes {
        try await timed("get_private") {
            let stored = try await backend.read(id: id, objectClass: .private)
            return try await open(stored, id: id)
        }
    }

    // MARK: Both classes

    public func exists(_ id: ObjectID, objectClass: ObjectClass) async throws -> Bool {
        try await backend.exists(id: id, objectClass: objectClass)
    }

    public func delete(_ id: ObjectID, objectClass: ObjectClass) async throws {
        try await backend.delete(id: id, objectClass: objectClass)
    }

    public func list(kind: String, objectClass: ObjectClass) async throws -> [ObjectID] {
        try await backend.list(kind: kind, objectClass: objectClass)
    }

    /// Records the operation's latency as `kms_vault_operation_duration_seconds{operation}` (swift-metrics; nothing
    /// unless the process bootstrapped a metrics backend), whether it succeeds or not.
    private func timed<Result>(_ operation: String, _ body: () async throws -> Result) async throws -> Result {
        let started = ContinuousClock.now
        defer {
            let elapsed = (ContinuousClock.now - started).components
            Timer(label: "kms_vault_operation_duration_seconds", dimensions: [("operation", operation)])
                .recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        }
        return try await body()
    }

    // MARK: Envelope

    /// The stored bytes for `secret` under `id` in the private class.
    func seal(_ secret: SecretBytes, id: ObjectID) async throws -> [UInt8] {
        let associatedData = id.associatedData(.private)
        let dataKey = SecretBytes.random(count: 32)
        let wrappedKey = try await rootKey.wrap(dataKey: dataKey, associatedData: associatedData)
        let nonce = AES.GCM.Nonce()
        // The header holds the sealed length, which is the plaintext length plus the tag.
        var envelope = PrivateObjectEnvelope(
            rootKind: rootKey.kind, wrappedKey: wrappedKey, nonce: Array(nonce),
            sealed: [UInt8](repeating: 0, count: secret.count + PrivateObjectEnvelope.tagSize))
        let box = try secret.withUnsafeBytes { plaintext in
            try AES.GCM.seal(plaintext, using: KeyWrap.symmetricKey(dataKey), nonce: nonce,
                             authenticating: associatedData + envelope.header)
        }
        envelope.sealed = Array(box.ciphertext) + Array(box.tag)
        return envelope.serialized()
    }

    /// The secret inside stored bytes of `id`.
    func open(_ stored: [UInt8], id: ObjectID) async throws -> SecretBytes {
        let name = id.storageKey(.private)
        let envelope = try PrivateObjectEnvelope(parsing: stored, id: name)
        let associatedData = id.associatedData(.private)
        let dataKey: SecretBytes
        do {
            dataKey = try await rootKey.unwrap(envelope.wrappedKey, associatedData: associatedData)
        } catch VaultError.wrongRootKey(let kind) where envelope.rootKind == kind {
            // The root key is the right kind but the wrapped key does not open: tampered key or wrong root key.
            throw VaultError.authenticationFailed(name)
        }
        let ciphertextCount = envelope.sealed.count - PrivateObjectEnvelope.tagSize
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: envelope.nonce),
                ciphertext: envelope.sealed[..<ciphertextCount],
                tag: envelope.sealed[ciphertextCount...])
            var plaintext = Array(try AES.GCM.open(box, using: KeyWrap.symmetricKey(dataKey),
                                                   authenticating: associatedData + envelope.header))
            defer { plaintext.zeroize() }
            return SecretBytes(plaintext)
        } catch {
            throw VaultError.authenticationFailed(name)
        }
    }
}
