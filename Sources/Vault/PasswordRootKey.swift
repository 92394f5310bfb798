import Crypto
import SecureMemory

/// A root key unlocked by a password (DESIGN §5), in the manner of kmd: a random 32-byte master key wraps the
/// data keys, and the master key is itself wrapped (AES-256-GCM) by a key derived from the password with Argon2id.
/// Changing the password re-wraps the master key only. The record (salt, parameters, wrapped master key) is not
/// secret; the parameters are authenticated and checked against `Argon2Parameters.minimum` on every unlock.
///
///     record = "KMSP" | version 1 | u32 m (KiB) | u32 t | u32 p | salt (16) | nonce ‖ master key ‖ tag (60)
public struct PasswordRootKey: RootKeySource {
    public var kind: String { "password" }
    private let masterKey: SecretBytes
    /// The parameters the record was made with.
    public let parameters: Argon2Parameters

    static let magic: [UInt8] = Array("KMSP".utf8)
    static let version: UInt8 = 1
    static let saltSize = 16
    static let recordSize = 4 + 1 + 12 + saltSize + 12 + 32 + 16

    private init(masterKey: SecretBytes, parameters: Argon2Parameters) {
        self.masterKey = masterKey
        self.parameters = parameters
    }

    /// Makes a new random master key wrapped under `password`; returns the key and the record to store.
    public static func create(password: SecretBytes, parameters: Argon2Parameters = .production)
        throws -> (rootKey: PasswordRootKey, record: [UInt8])
    {
        try parameters.validate()
        let masterKey = SecretBytes.random(count: 32)
        let record = try makeRecord(masterKey: masterKey, password: password, parameters: parameters)
        return (PasswordRootKey(masterKey: masterKey, parameters: parameters), record)
    }

    /// Unlocks a record with `password`. Throws `wrongPassword`, `weakKDFParameters` or `malformedObject`.
    public static func unlock(record: [UInt8], password: SecretBytes) throws -> PasswordRootKey {
        let (masterKey, parameters) = try unwrapMasterKey(record: record, password: password)
        return PasswordRootKey(masterKey: masterKey, parameters: parameters)
    }

    /// Re-wraps the master key of `record` under `newPassword` (fresh salt); the data keys stay valid.
    public static func changePassword(record: [UInt8], from oldPassword: SecretBytes, to newPassword: SecretBytes,
                                      parameters: Argon2Parameters = .production) throws -> [UInt8] {
        try parameters.validate()
        let (masterKey, _) = try unwrapMasterKey(record: record, password: oldPassword)
        return try makeRecord(masterKey: masterKey, password: newPassword, parameters: parameters)
    }

    private static func unwrapMasterKey(record: [UInt8], password: SecretBytes) throws
        -> (SecretBytes, Argon2Parameters)
    {
        guard record.count == recordSize else {
            throw record.count < recordSize
                ? VaultError.truncatedObject("password record")
                : VaultError.malformedObject(id: "password record", reason: "\(record.count) bytes, expected \(recordSize)")
        }
        guard Array(record[0..<4]) == magic, record[4] == version else {
            throw VaultError.malformedObject(id: "password record", reason: "bad magic or version")
        }
        func word(_ offset: Int) -> UInt32 { record[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        let parameters = Argon2Parameters(memoryKiB: word(5), iterations: word(9), parallelism: word(13))
        try parameters.validate()
        let headerEnd = 17 + saltSize
        let salt = Array(record[17..<headerEnd])
        let passwordKey = try Argon2id.derive(password: password, salt: salt, parameters: parameters)
        let masterKey = try KeyWrap.unwrap(Array(record[headerEnd...]), under: KeyWrap.symmetricKey(passwordKey),
                                           associatedData: Array(record[..<headerEnd]), error: .wrongPassword)
        return (masterKey, parameters)
    }

    /// Unlocks the record at `recordPath`, or creates it (0600, written atomically) when absent.
    /// The password comes from `source`: a prompt, a file or an environment variable, never a command-line flag.
    public static func openOrCreate(recordPath: String, password source: PasswordSource,
                                    parameters: Argon2Parameters = .production) throws -> PasswordRootKey {
        let password = try source.read()
        if let record = try PasswordRecordFile.read(recordPath) {
            return try unlock(record: record, password: password)
        }
        let (rootKey, record) = try create(password: password, parameters: parameters)
        try PasswordRecordFile.write(record, to: recordPath)
        return rootKey
    }

    public func wrap(dataKey: SecretBytes, associatedData: [UInt8]) async throws -> [UInt8] {
        try KeyWrap.wrap(dataKey, under: KeyWrap.symmetricKey(masterKey), associatedData: associatedData)
    }

    public func unwrap(_ wrapped: [UInt8], associatedData: [UInt8]) async throws -> SecretBytes {
        try KeyWrap.unwrap(wrapped, under: KeyWrap.symmetricKey(masterKey), associatedData: associatedData, error: .wrongRootKey(kind: kind))
    }

    private static func makeRecord(masterKey: SecretBytes, password: SecretBytes,
                                   parameters: Argon2Parameters) throws -> [UInt8] {
        var header = magic + [version]
        for value in [parameters.memoryKiB, parameters.iterations, parameters.parallelism] {
            header += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
        }
        var generator = SystemRandomNumberGenerator()
        header += (0..<saltSize).map { _ in generator.next() as UInt8 }
        let salt = Array(header[17...])
        let passwordKey = try Argon2id.derive(password: password, salt: salt, parameters: parameters)
        let wrapped = try KeyWrap.wrap(masterKey, under: KeyWrap.symmetricKey(passwordKey), associatedData: header)
        return header + wrapped
    }
}
