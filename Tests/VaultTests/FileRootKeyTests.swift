import Foundation
import Testing
@testable import Vault
import SecureMemory

@Suite struct FileRootKeyTests {
    @Test func generatedKeyFilesAreOwnerOnlyAndNeverOverwritten() async throws {
        let directory = TestSupport.temporaryDirectory("rk")
        defer { TestSupport.removeDirectory(directory) }
        let path = directory + "/root.key"
        let key = try FileRootKey.generate(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(attributes[.size] as? Int == 32)
        #expect(throws: VaultError.self) { try FileRootKey.generate(at: path) }
        let dataKey = SecretBytes.random(count: 32)
        let wrapped = try await key.wrap(dataKey: dataKey, associatedData: [1])
        #expect(try await FileRootKey(path: path).unwrap(wrapped, associatedData: [1]).constantTimeEquals(dataKey))
    }

    @Test func looseKeyFilesAreRefused() throws {
        let directory = TestSupport.temporaryDirectory("rk")
        defer { TestSupport.removeDirectory(directory) }
        let loose = directory + "/loose.key"
        #expect(FileManager.default.createFile(atPath: loose, contents: Data(TestSupport.randomBytes(32)),
                                               attributes: [.posixPermissions: 0o644]))
        #expect(throws: VaultError.self) { try FileRootKey(path: loose) }
        do {
            _ = try FileRootKey(path: loose)
        } catch {
            #expect("\(error)".contains("must be 0600"))
        }
        let short = directory + "/short.key"
        #expect(FileManager.default.createFile(atPath: short, contents: Data(TestSupport.randomBytes(31)),
                                               attributes: [.posixPermissions: 0o600]))
        #expect(throws: VaultError.self) { try FileRootKey(path: short) }
        #expect(throws: VaultError.self) { try FileRootKey(path: directory + "/missing.key") }
    }
}
