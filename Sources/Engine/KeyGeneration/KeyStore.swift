import FHEKeys
import Logging
import MPCProtocols
import SecureMemory
import Vault

/// The key sets of one core (DESIGN §6 storage layout): public objects as plain bytes under
/// `public/<Type>/<key id>` (ServerKey, PublicKey, VerificationKey), this core's secret key share encrypted as
/// `private/FheKeyShare/<key id>`, and the record (`private/FheKeyInfo/<key id>`, written last). At start the
/// list is rebuilt from the records and every signed public object is checked against its digest; a key set
/// with a missing or altered object is refused, logged and reported in health, and never served.
actor KeyStore {
    enum ObjectType: String, CaseIterable, Sendable {
        case serverKey = "ServerKey"
        case publicKey = "PublicKey"
        case verificationKey = "VerificationKey"

        /// The EIP-712 KeyDigest.keyType (DESIGN §3.6); the verification key is not part of the signed list.
        var signedKeyType: UInt8? {
            switch self {
            case .serverKey: 0
            case .publicKey: 1
            case .verificationKey: nil
            }
        }
    }

    static let shareKind = "FheKeyShare"

    private let vault: VaultStore
    private let logger: Logger
    private(set) var records: [String: KeySetRecord] = [:]
    private(set) var refused: [String: String] = [:]
    /// Key sets being written (their id is taken, their objects not yet complete).
    private var reserved = Set<String>()
    /// The object last read from its start and verified, so that the chunks after the first of one download
    /// neither re-read nor re-hash it (a read from offset 0 always verifies again).
    private var lastVerified: (keyID: String, type: ObjectType, bytes: [UInt8])?

    init(vault: VaultStore, logger: Logger) {
        self.vault = vault
        self.logger = logger
    }

    /// Rebuilds the key list from the private records and checks every public object against its digest.
    func load() async {
        let ids: [ObjectID]
        do {
            ids = try await vault.list(kind: KeySetRecord.kind, objectClass: .private)
        } catch {
            logger.error("cannot list stored key sets", metadata: ["error": "\(error)"])
            return
        }
        for id in ids {
            do {
                let secret = try await vault.getPrivate(id)
                let record = try secret.withUnsafeBytes { try KeySetRecord(decoding: Array($0)) }
                guard record.keyID == id.name else { throw EngineError.internalFailure("record names key \(record.keyID)") }
                for digest in record.digests {
                    guard let type = ObjectType(rawValue: digest.type) else { throw EngineError.internalFailure("unknown object type \(digest.type)") }
                    _ = try await verifiedObject(record: record, type: type)
                }
                guard try await vault.exists(try ObjectID(kind: Self.shareKind, name: record.keyID), objectClass: .private) else {
                    throw EngineError.internalFailure("the secret key share is missing")
                }
                records[record.keyID] = record
            } catch {
                let reason = (error as? EngineError)?.description ?? "\(error)"
                refused[id.name] = reason
                logger.error("key set refused: not served", metadata: ["key_id": "\(id.name)", "reason": "\(reason)"])
            }
        }
        logger.info("key sets loaded", metadata: ["served": "\(records.count)", "refused": "\(refused.count)"])
    }

    /// Takes a key id for a generation about to run: ALREADY_EXISTS if a key set (or a refused one) has it.
    func reserve(_ keyID: String) throws(EngineError) {
        guard records[keyID] == nil, refused[keyID] == nil, !reserved.contains(keyID) else {
            throw .alreadyExists("key \(keyID) exists")
        }
        reserved.insert(keyID)
    }

    func release(_ keyID: String) { reserved.remove(keyID) }

    /// Writes a finished key set: public objects, then the encrypted share, then the record.
    func store(record: KeySetRecord, objects: [ObjectType: [UInt8]], share: SecretKeyShare) async throws {
        for (type, bytes) in objects {
            try await vault.putPublic(bytes, id: try ObjectID(kind: type.rawValue, name: record.keyID))
        }
        try await vault.putPrivate(share.serialized(), id: try ObjectID(kind: Self.shareKind, name: record.keyID))
        try await vault.putPrivate(SecretBytes(try record.encoded()), id: try ObjectID(kind: KeySetRecord.kind, name: record.keyID))
        records[record.keyID] = record
        reserved.remove(record.keyID)
    }

    /// A public object of a served key set, checked against its signed digest whenever it is read from its
    /// start (`fromStart`); later chunks of the same download come from the object verified then.
    func publicObject(keyID: String, type: ObjectType, fromStart: Bool = true) async throws(EngineError) -> [UInt8] {
        if let reason = refused[keyID] { throw .failedPrecondition("key \(keyID) is refused: \(reason)") }
        guard let record = records[keyID] else { throw .notFound("no key \(keyID)") }
        if !fromStart, let last = lastVerified, last.keyID == keyID, last.type == type { return last.bytes }
        do {
            let bytes = try await verifiedObject(record: record, type: type)
            lastVerified = (keyID, type, bytes)
            return bytes
        } catch let error as EngineError {
            refused[keyID] = error.description
            records.removeValue(forKey: keyID)
            logger.error("key set refused: not served", metadata: ["key_id": "\(keyID)", "reason": "\(error)"])
            throw .failedPrecondition("key \(keyID) is refused: \(error)")
        } catch {
            throw .internalFailure("cannot read \(type.rawValue) of key \(keyID)")
        }
    }

    /// This core's share of a served key set's secret keys.
    func share(keyID: String) async throws(EngineError) -> SecretKeyShare {
        guard records[keyID] != nil else { throw .notFound("no key \(keyID)") }
        do {
            return try SecretKeyShare(serialized: try await vault.getPrivate(try ObjectID(kind: Self.shareKind, name: keyID)))
        } catch {
            throw .internalFailure("cannot read the key share of \(keyID)")
        }
    }

    private func verifiedObject(record: KeySetRecord, type: ObjectType) async throws -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try await vault.getPublic(try ObjectID(kind: type.rawValue, name: record.keyID))
        } catch {
            throw EngineError.internalFailure("\(type.rawValue) cannot be read: \(error)")
        }
        if let expected = record.digests.first(where: { $0.type == type.rawValue }) {
            guard FHESerialization.digest(bytes) == expected.digest else {
                throw EngineError.internalFailure("\(type.rawValue) does not match its signed digest")
            }
        }
        return bytes
    }
}
