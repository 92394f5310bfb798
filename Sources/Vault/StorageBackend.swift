/// Where vault objects live: a file directory or an S3 bucket (DESIGN §5). Backends move opaque bytes;
/// encryption of private objects happens above them, in `VaultStore`, so a backend never sees a plaintext secret.
public protocol StorageBackend: Sendable {
    /// A short description for logs ("file:/var/kms", "s3://bucket"), no credentials.
    var location: String { get }
    /// Stores `bytes` under `id` in `objectClass`, replacing any previous object atomically.
    func write(_ bytes: [UInt8], id: ObjectID, objectClass: ObjectClass) async throws
    /// The stored bytes, or `VaultError.objectNotFound`.
    func read(id: ObjectID, objectClass: ObjectClass) async throws -> [UInt8]
    /// Whether an object is stored under `id`.
    func exists(id: ObjectID, objectClass: ObjectClass) async throws -> Bool
    /// Removes the object; removing a missing object is not an error.
    func delete(id: ObjectID, objectClass: ObjectClass) async throws
    /// The ids of every object of `kind` in `objectClass`, sorted by name.
    func list(kind: String, objectClass: ObjectClass) async throws -> [ObjectID]
}
