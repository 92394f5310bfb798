import Vault

/// Storage whose public objects live in one backend (e.g. an S3 bucket that full nodes can read) and private
/// objects in another (the core's encrypted data directory): `[public_storage]` (DESIGN §6).
struct SplitStorage: StorageBackend {
    let publicBackend: any StorageBackend
    let privateBackend: any StorageBackend

    var location: String { "public \(publicBackend.location), private \(privateBackend.location)" }

    private func backend(_ objectClass: ObjectClass) -> any StorageBackend {
        objectClass == .public ? publicBackend : privateBackend
    }

    func write(_ bytes: [UInt8], id: ObjectID, objectClass: ObjectClass) async throws {
        try await backend(objectClass).write(bytes, id: id, objectClass: objectClass)
    }
    func read(id: ObjectID, objectClass: ObjectClass) async throws -> [UInt8] {
        try await backend(objectClass).read(id: id, objectClass: objectClass)
    }
    func exists(id: ObjectID, objectClass: ObjectClass) async throws -> Bool {
        try await backend(objectClass).exists(id: id, objectClass: objectClass)
    }
    func delete(id: ObjectID, objectClass: ObjectClass) async throws {
        try await backend(objectClass).delete(id: id, objectClass: objectClass)
    }
    func list(kind: String, objectClass: ObjectClass) async throws -> [ObjectID] {
        try await backend(objectClass).list(kind: kind, objectClass: objectClass)
    }
}
