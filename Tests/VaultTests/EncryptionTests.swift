import Crypto
import Foundation
import Testing
@testable import Vault
import SecureMemory

@Suite struct EncryptionTests {
    /// A vault over a fresh file store with a fresh file root key.
    struct Fixture {
        let directory: String
        let storage: FileStorage
        let store: VaultStore
        init() throws {
            directory = TestSupport.temporaryDirectory("enc")
            let (rootKey, _) = try TestSupport.makeFileRootKey(in: directory)
            storage = try FileStorage(root: directory + "/store")
            store = VaultStore(backend: storage, rootKey: rootKey)
        }
    }

    @Test func randomSecretsRoundTripAndNeverAppearInTheStoredBytes() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        for run in 0..<40 {
            let secret = TestSupport.randomBytes(Int.random(in: 16...3000))
            let id = try ObjectID(kind: "key-share", name: "share-\(run)")
            try await fixture.store.putPrivate(SecretBytes(secret), id: id)
            let stored = try await fixture.storage.read(id: id, objectClass: .private)
            #expect(!contains(stored, secret.prefix(16)))
            #expect(try await fixture.store.getPrivate(id).withUnsafeBytes { Array($0) } == secret)
        }
    }

    @Test func sameSecretTwiceGivesDifferentCiphertexts() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        let secret = SecretBytes(Array("the same share".utf8))
        let id = try ObjectID(kind: "key-share", name: "s")
        let first = try await fixture.store.seal(secret, id: id)
        let second = try await fixture.store.seal(secret, id: id)
        #expect(first != second)  // fresh data key and nonce per object
    }

    /// Known answer: decrypting by hand with the root key (AES-256-GCM, documented envelope layout) gives the secret.
    @Test func envelopeLayoutMatchesItsDocumentation() async throws {
        let directory = TestSupport.temporaryDirectory("kat")
        defer { TestSupport.removeDirectory(directory) }
        let keyBytes = (0..<32).map { UInt8($0) }
        let keyPath = directory + "/k"
        #expect(FileManager.default.createFile(atPath: keyPath, contents: Data(keyBytes), attributes: [.posixPermissions: 0o600]))
        let store = VaultStore(backend: try FileStorage(root: directory + "/s"), rootKey: try FileRootKey(path: keyPath))
        let id = try ObjectID(kind: "signing-key", name: "n")
        let stored = try await store.seal(SecretBytes(Array("hello vault".utf8)), id: id)
        #expect(Array(stored[0..<5]) == Array("KMSV".utf8) + [1])
        #expect(Array(stored[5..<10]) == [4] + Array("file".utf8))
        let wrappedLength = Int(stored[10]) << 8 | Int(stored[11])
        #expect(wrappedLength == 12 + 32 + 16)
        let wrapped = Array(stored[12..<12 + wrappedLength])
        var offset = 12 + wrappedLength
        let sealedLength = stored[offset..<offset + 8].reduce(0) { $0 << 8 | Int($1) }
        offset += 8
        let headerEnd = offset
        #expect(sealedLength == 11 + 16)
        let associated = Array("kms-vault-object-v1".utf8) + [7] + Array("private".utf8) + [11] + Array("signing-key".utf8) + [1, 110]
        let dataKey = try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: SymmetricKey(data: keyBytes),
                                       authenticating: associated)
        let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: stored[headerEnd..<headerEnd + 12]),
                                        ciphertext: stored[(headerEnd + 12)..<(stored.count - 16)],
                                        tag: stored[(stored.count - 16)...])
        let plaintext = try AES.GCM.open(box, using: SymmetricKey(data: dataKey),
                                         authenticating: associated + stored[..<headerEnd])
        #expect(Array(plaintext) == Array("hello vault".utf8))
    }

    @Test func everyFlippedBitIsATypedErrorAndNothingIsLost() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        let victim = try ObjectID(kind: "key-share", name: "victim")
        let bystander = try ObjectID(kind: "key-share", name: "bystander")
        let secret = TestSupport.randomBytes(200)
        try await fixture.store.putPrivate(SecretBytes(secret), id: victim)
        try await fixture.store.putPrivate(SecretBytes(secret), id: bystander)
        let original = try await fixture.storage.read(id: victim, objectClass: .private)
        for bit in stride(from: 0, to: original.count * 8, by: 7) {
            var corrupted = original
            corrupted[bit / 8] ^= 1 << UInt8(bit % 8)
            try await fixture.storage.write(corrupted, id: victim, objectClass: .private)
            do {
                _ = try await fixture.store.getPrivate(victim)
                Issue.record("bit \(bit) flipped but the object still opened")
            } catch let error as VaultError {
                switch error {
                case .authenticationFailed, .malformedObject, .truncatedObject: #expect(!error.description.isEmpty)
                default: Issue.record("bit \(bit): unexpected error \(error)")
                }
            }
            // The corrupted object is left as it was for an operator to inspect; nothing else changed.
            #expect(try await fixture.storage.read(id: victim, objectClass: .private) == corrupted)
        }
        #expect(try await fixture.store.getPrivate(bystander).withUnsafeBytes { Array($0) } == secret)
    }

    @Test func flippedCiphertextBitNamesTheObject() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        let id = try ObjectID(kind: "key-share", name: "flip")
        try await fixture.store.putPrivate(SecretBytes(TestSupport.randomBytes(100)), id: id)
        var stored = try await fixture.storage.read(id: id, objectClass: .private)
        stored[stored.count - 40] ^= 0x01
        try await fixture.storage.write(stored, id: id, objectClass: .private)
        await #expect(throws: VaultError.authenticationFailed("private/key-share/flip")) {
            try await fixture.store.getPrivate(id)
        }
        #expect(VaultError.authenticationFailed("private/key-share/flip").description.contains("was modified"))
    }

    @Test func truncatedObjectsAreReportedAsTruncated() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        let id = try ObjectID(kind: "key-share", name: "cut")
        try await fixture.store.putPrivate(SecretBytes(TestSupport.randomBytes(500)), id: id)
        let stored = try await fixture.storage.read(id: id, objectClass: .private)
        for length in [0, 3, 10, 40, stored.count / 2, stored.count - 1] {
            try await fixture.storage.write(Array(stored.prefix(length)), id: id, objectClass: .private)
            await #expect(throws: VaultError.truncatedObject("private/key-share/cut")) {
                try await fixture.store.getPrivate(id)
            }
        }
        try await fixture.storage.write(stored + [0], id: id, objectClass: .private)
        await #expect(throws: VaultError.self) { try await fixture.store.getPrivate(id) }
    }

    @Test func objectsAreBoundToTheirIdAndClass() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        let id = try ObjectID(kind: "key-share", name: "a")
        let other = try ObjectID(kind: "key-share", name: "b")
        try await fixture.store.putPrivate(SecretBytes(TestSupport.randomBytes(32)), id: id)
        let stored = try await fixture.storage.read(id: id, objectClass: .private)
        try await fixture.storage.write(stored, id: other, objectClass: .private)  // an attacker renames a file
        await #expect(throws: VaultError.authenticationFailed("private/key-share/b")) {
            try await fixture.store.getPrivate(other)
        }
    }

    @Test func anotherRootKeyCannotOpenObjects() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        let id = try ObjectID(kind: "key-share", name: "a")
        try await fixture.store.putPrivate(SecretBytes(TestSupport.randomBytes(32)), id: id)
        let (otherKey, _) = try TestSupport.makeFileRootKey(in: fixture.directory, name: "other.key")
        let intruder = VaultStore(backend: fixture.storage, rootKey: otherKey)
        await #expect(throws: VaultError.authenticationFailed("private/key-share/a")) { try await intruder.getPrivate(id) }
        #expect(try await fixture.store.getPrivate(id).count == 32)
    }

    @Test func randomGarbageIsAlwaysATypedError() async throws {
        let fixture = try Fixture()
        defer { TestSupport.removeDirectory(fixture.directory) }
        let id = try ObjectID(kind: "key-share", name: "garbage")
        for run in 0..<300 {
            var bytes = TestSupport.randomBytes(Int.random(in: 0...200))
            if run % 2 == 0 { bytes = Array("KMSV".utf8) + [1] + bytes }  // get past the magic half of the time
            try await fixture.storage.write(bytes, id: id, objectClass: .private)
            do {
                _ = try await fixture.store.getPrivate(id)
                Issue.record("random bytes opened as a private object")
            } catch let error as VaultError {
                #expect(!error.description.isEmpty)
            }
        }
    }

    private func contains(_ haystack: [UInt8], _ needle: ArraySlice<UInt8>) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
