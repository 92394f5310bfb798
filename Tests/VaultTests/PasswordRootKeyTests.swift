import Foundation
import Testing
@testable import Vault
import SecureMemory

@Suite struct PasswordRootKeyTests {
    static let password = SecretBytes(Array("correct horse battery staple".utf8))

    /// RFC 9106 / phc-winner-argon2 reference vector (src/test.c): Argon2id v0x13, t=2, m=2^16 KiB, p=1,
    /// password "password", salt "somesalt".
    @Test func argon2idMatchesTheReferenceVector() throws {
        let key = try Argon2id.derive(password: SecretBytes(Array("password".utf8)), salt: Array("somesalt".utf8),
                                      parameters: Argon2Parameters(memoryKiB: 65536, iterations: 2, parallelism: 1))
        #expect(SigV4Signer.hex(key.withUnsafeBytes { Array($0) })
            == "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7")
    }

    @Test func createUnlockAndWrap() async throws {
        let (created, record) = try PasswordRootKey.create(password: Self.password, parameters: .minimum)
        #expect(record.count == PasswordRootKey.recordSize)
        let unlocked = try PasswordRootKey.unlock(record: record, password: Self.password)
        #expect(unlocked.parameters == .minimum)
        for _ in 0..<20 {
            let dataKey = SecretBytes.random(count: 32)
            let associated = TestSupport.randomBytes(Int.random(in: 0...40))
            let wrapped = try await created.wrap(dataKey: dataKey, associatedData: associated)
            #expect(try await unlocked.unwrap(wrapped, associatedData: associated).constantTimeEquals(dataKey))
            await #expect(throws: VaultError.wrongRootKey(kind: "password")) {
                try await unlocked.unwrap(wrapped, associatedData: associated + [1])
            }
        }
    }

    @Test func wrongPasswordIsATypedError() throws {
        let (_, record) = try PasswordRootKey.create(password: Self.password, parameters: .minimum)
        #expect(throws: VaultError.wrongPassword) {
            try PasswordRootKey.unlock(record: record, password: SecretBytes(Array("Correct horse battery staple".utf8)))
        }
        #expect(VaultError.wrongPassword.description == "wrong password: the master key did not unlock")
    }

    @Test func parametersBelowTheMinimumAreRefused() throws {
        for weak in [Argon2Parameters(memoryKiB: 65535, iterations: 3, parallelism: 1),
                     Argon2Parameters(memoryKiB: 65536, iterations: 2, parallelism: 1),
                     Argon2Parameters(memoryKiB: 65536, iterations: 3, parallelism: 0)] {
            #expect(throws: VaultError.self) { try PasswordRootKey.create(password: Self.password, parameters: weak) }
        }
        #expect(Argon2Parameters.production.memoryKiB >= Argon2Parameters.minimum.memoryKiB)
    }

    @Test func tamperedRecordsAreRefused() throws {
        let (_, record) = try PasswordRootKey.create(password: Self.password, parameters: .minimum)
        // An attacker lowers the memory cost: refused before any derivation.
        var weakened = record
        weakened[6] = 0  // m's second byte: 65536 → 0 + low bytes
        #expect(throws: VaultError.self) { try PasswordRootKey.unlock(record: weakened, password: Self.password) }
        // Raising it is authenticated (the header is associated data): the master key does not unlock.
        var raised = record
        raised[7] = 1  // 65536 + 256 KiB
        #expect(throws: VaultError.wrongPassword) { try PasswordRootKey.unlock(record: raised, password: Self.password) }
        #expect(throws: VaultError.truncatedObject("password record")) {
            try PasswordRootKey.unlock(record: Array(record.dropLast()), password: Self.password)
        }
    }

    @Test func changingThePasswordKeepsTheMasterKey() async throws {
        let (rootKey, record) = try PasswordRootKey.create(password: Self.password, parameters: .minimum)
        let dataKey = SecretBytes.random(count: 32)
        let wrapped = try await rootKey.wrap(dataKey: dataKey, associatedData: [7])
        let newPassword = SecretBytes(Array("new password".utf8))
        let newRecord = try PasswordRootKey.changePassword(record: record, from: Self.password, to: newPassword,
                                                           parameters: .minimum)
        let reopened = try PasswordRootKey.unlock(record: newRecord, password: newPassword)
        #expect(try await reopened.unwrap(wrapped, associatedData: [7]).constantTimeEquals(dataKey))
        #expect(throws: VaultError.wrongPassword) { try PasswordRootKey.unlock(record: newRecord, password: Self.password) }
    }

    @Test func openOrCreateWithAPasswordFileAndTheEnvironment() async throws {
        let directory = TestSupport.temporaryDirectory("pw")
        defer { TestSupport.removeDirectory(directory) }
        let passwordFile = directory + "/password"
        #expect(FileManager.default.createFile(atPath: passwordFile, contents: Data("s3cret-pass\n".utf8),
                                               attributes: [.posixPermissions: 0o600]))
        let recordPath = directory + "/root.record"
        let first = try PasswordRootKey.openOrCreate(recordPath: recordPath, password: .file(passwordFile), parameters: .minimum)
        #expect(FileManager.default.fileExists(atPath: recordPath))
        let wrapped = try await first.wrap(dataKey: SecretBytes([1, 2, 3]), associatedData: [])
        setenv("KMS_VAULT_TEST_PASSWORD", "s3cret-pass", 1)
        defer { unsetenv("KMS_VAULT_TEST_PASSWORD") }
        let second = try PasswordRootKey.openOrCreate(recordPath: recordPath, password: .environment("KMS_VAULT_TEST_PASSWORD"))
        #expect(try await second.unwrap(wrapped, associatedData: []).withUnsafeBytes { Array($0) } == [1, 2, 3])
        let attributes = try FileManager.default.attributesOfItem(atPath: recordPath)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0)
    }

    /// Issue 15 item 6: after the read, the password is gone from /proc/<pid>/environ (a plain unsetenv leaves
    /// the initial environment block untouched); the other variables are still there.
    @Test func environmentPasswordIsWipedFromProcEnviron() throws {
        let password = "pw-\(UUID().uuidString)"
        let probe = try TestSupport.runSecretsProbe(password: password)
        #expect(probe.readLine == "read \(password.utf8.count) bytes", "\(probe.readLine)")
        #expect(!probe.environ.isEmpty)
        #expect(probe.environ.range(of: Data(password.utf8)) == nil, "the password is still in /proc/<pid>/environ")
        #expect(probe.environ.range(of: Data("PATH=".utf8)) != nil)
        // In this process: the variable is consumed by the read.
        setenv("KMS_VAULT_TEST_CONSUMED", "secret-value", 1)
        #expect(try PasswordSource.environment("KMS_VAULT_TEST_CONSUMED").read().count == 12)
        #expect(getenv("KMS_VAULT_TEST_CONSUMED") == nil)
    }

    @Test func passwordSourcesRefuseUnsafeOrEmptyInput() throws {
        let directory = TestSupport.temporaryDirectory("pw")
        defer { TestSupport.removeDirectory(directory) }
        let openFile = directory + "/open"
        #expect(FileManager.default.createFile(atPath: openFile, contents: Data("pw".utf8), attributes: [.posixPermissions: 0o644]))
        #expect(throws: VaultError.self) { try PasswordSource.file(openFile).read() }
        let emptyFile = directory + "/empty"
        #expect(FileManager.default.createFile(atPath: emptyFile, contents: Data("\n".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(throws: VaultError.self) { try PasswordSource.file(emptyFile).read() }
        #expect(throws: VaultError.self) { try PasswordSource.environment("KMS_VAULT_TEST_UNSET_VARIABLE").read() }
        #expect(throws: VaultError.self) { try PasswordSource.file(directory + "/missing").read() }
        let goodFile = directory + "/good"
        #expect(FileManager.default.createFile(atPath: goodFile, contents: Data("pa ss\r\nignored".utf8), attributes: [.posixPermissions: 0o600]))
        #expect(try PasswordSource.file(goodFile).read().withUnsafeBytes { Array($0) } == Array("pa ss".utf8))
    }

    @Test func vaultStoreWithPasswordRootKeyReportsWrongPasswordWithoutTouchingData() async throws {
        let directory = TestSupport.temporaryDirectory("pw")
        defer { TestSupport.removeDirectory(directory) }
        let (rootKey, record) = try PasswordRootKey.create(password: Self.password, parameters: .minimum)
        let storage = try FileStorage(root: directory + "/store")
        let id = try ObjectID(kind: "key-share", name: "s")
        try await VaultStore(backend: storage, rootKey: rootKey).putPrivate(SecretBytes([42, 43]), id: id)
        let before = try await storage.read(id: id, objectClass: .private)
        #expect(throws: VaultError.wrongPassword) { try PasswordRootKey.unlock(record: record, password: SecretBytes([1])) }
        #expect(try await storage.read(id: id, objectClass: .private) == before)
        let reopened = try PasswordRootKey.unlock(record: record, password: Self.password)
        #expect(try await VaultStore(backend: storage, rootKey: reopened).getPrivate(id).withUnsafeBytes { Array($0) } == [42, 43])
    }
}
