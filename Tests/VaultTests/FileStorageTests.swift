import Foundation
import Testing
@testable import Vault
import SecureMemory

@Suite struct FileStorageTests {
    @Test func publicAndPrivateRoundTrip() async throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let (rootKey, _) = try TestSupport.makeFileRootKey(in: directory)
        let storage = try FileStorage(root: directory + "/store")
        let store = VaultStore(backend: storage, rootKey: rootKey)
        for size in [0, 1, 15, 16, 17, 4096, 100_000] {
            let bytes = TestSupport.randomBytes(size)
            let id = try ObjectID(kind: "key-share", name: "object-\(size)")
            try await store.putPublic(bytes, id: id)
            try await store.putPrivate(SecretBytes(bytes), id: id)
            #expect(try await store.getPublic(id) == bytes)
            #expect(try await store.getPrivate(id).withUnsafeBytes { Array($0) } == bytes)
            // Public objects are the plain bytes on disk; private ones are not.
            #expect(FileManager.default.contents(atPath: storage.path(id: id, objectClass: .public)) == Data(bytes))
        }
        let listed = try await store.list(kind: "key-share", objectClass: .private).map(\.name)
        #expect(listed == ["object-0", "object-1", "object-100000", "object-15", "object-16", "object-17", "object-4096"])
    }

    @Test func overwriteReplacesAndDeleteRemoves() async throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let storage = try FileStorage(root: directory)
        let id = try ObjectID(kind: "server-key", name: "k")
        try await storage.write([1, 2, 3], id: id, objectClass: .public)
        try await storage.write([4, 5], id: id, objectClass: .public)
        #expect(try await storage.read(id: id, objectClass: .public) == [4, 5])
        #expect(try await storage.exists(id: id, objectClass: .public))
        #expect(try await !storage.exists(id: id, objectClass: .private))
        try await storage.delete(id: id, objectClass: .public)
        #expect(try await !storage.exists(id: id, objectClass: .public))
        await #expect(throws: VaultError.objectNotFound("public/server-key/k")) {
            try await storage.read(id: id, objectClass: .public)
        }
        try await storage.delete(id: id, objectClass: .public)  // deleting a missing object is fine
    }

    @Test func dataSurvivesReopening() async throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let (rootKey, keyPath) = try TestSupport.makeFileRootKey(in: directory)
        let id = try ObjectID(kind: "signing-key", name: "core-1")
        let secret = TestSupport.randomBytes(64)
        do {
            let storage = try FileStorage(root: directory + "/store")
            try await VaultStore(backend: storage, rootKey: rootKey).putPrivate(SecretBytes(secret), id: id)
            storage.close()
        }
        let reopened = VaultStore(backend: try FileStorage(root: directory + "/store"), rootKey: try FileRootKey(path: keyPath))
        #expect(try await reopened.getPrivate(id).withUnsafeBytes { Array($0) } == secret)
    }

    @Test func staleTemporaryFilesAreRemovedOnOpen() async throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let id = try ObjectID(kind: "crs", name: "c")
        do {
            let storage = try FileStorage(root: directory)
            try await storage.write([9], id: id, objectClass: .public)
            storage.close()
        }
        let stale = directory + "/public/crs/.tmp-c-deadbeef"
        #expect(FileManager.default.createFile(atPath: stale, contents: Data([1, 2])))
        let storage = try FileStorage(root: directory)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(try await storage.read(id: id, objectClass: .public) == [9])
        #expect(try await storage.list(kind: "crs", objectClass: .public).map(\.name) == ["c"])
    }

    @Test func secondOpenInTheSameProcessIsRefused() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let first = try FileStorage(root: directory)
        #expect(throws: VaultError.storeLocked(path: directory)) { try FileStorage(root: directory) }
        first.close()
        let second = try FileStorage(root: directory)  // the lock is released by close()
        second.close()
    }

    @Test func secondProcessIsRefusedWithAClearMessage() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let writer = try TestSupport.crashWriterPath()
        let storage = try FileStorage(root: directory)
        let refused = try TestSupport.run(writer, ["open", directory])
        #expect(refused.status == 3)
        #expect(refused.standardError.contains("already open in another process"))
        #expect(refused.standardError.contains(directory))
        storage.close()
        let allowed = try TestSupport.run(writer, ["open", directory])
        #expect(allowed.status == 0, "open after release failed: \(allowed.standardError)")
    }

    @Test func storeHeldByAnotherProcessRefusesUs() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestSupport.crashWriterPath())
        process.arguments = ["hold", directory]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let line = output.fileHandleForReading.readLineBlocking()
        #expect(line == "locked")
        #expect(throws: VaultError.storeLocked(path: directory)) { try FileStorage(root: directory) }
        #expect(VaultError.storeLocked(path: directory).description.contains("already open in another process"))
    }
}

extension FileHandle {
    /// Reads until a newline or end of file (blocking); returns the line without the newline.
    func readLineBlocking() -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            guard let byte = chunk.first, byte != 10 else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
