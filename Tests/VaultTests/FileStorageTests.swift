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

    /// Issue 15 item 5: symbolic links are refused — an object that is a link, a kind directory that is a link, a
    /// root that is a link — so nobody who can write into the store redirects reads or writes elsewhere.
    @Test func symlinksAreRefused() async throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let storage = try FileStorage(root: directory + "/store")
        defer { storage.close() }
        let id = try ObjectID(kind: "key-share", name: "k1")
        try await storage.write([1], id: id, objectClass: .public)
        let outside = directory + "/outside"
        #expect(FileManager.default.createFile(atPath: outside, contents: Data([9, 9, 9])))
        let path = storage.path(id: id, objectClass: .public)
        #expect(unlink(path) == 0 && symlink(outside, path) == 0)
        await #expect(throws: VaultError.self) { try await storage.read(id: id, objectClass: .public) }
        #expect(try await !storage.exists(id: id, objectClass: .public))
        // A kind directory that is a link: neither read nor written through.
        let elsewhere = directory + "/elsewhere"
        #expect(mkdir(elsewhere, 0o700) == 0)
        #expect(symlink(elsewhere, directory + "/store/private/key-share") == 0)
        await #expect(throws: VaultError.self) { try await storage.write([2], id: id, objectClass: .private) }
        await #expect(throws: VaultError.self) { try await storage.read(id: id, objectClass: .private) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty)
        // A root that is a link.
        #expect(symlink(directory + "/store", directory + "/linked") == 0)
        storage.close()
        #expect(throws: VaultError.self) { try FileStorage(root: directory + "/linked") }
    }

    /// Issue 15 item 5: a root open to group or others is made owner-only (0700).
    @Test func openToOthersRootIsMadeOwnerOnly() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        #expect(chmod(directory, 0o755) == 0)
        let storage = try FileStorage(root: directory)
        defer { storage.close() }
        var status = stat()
        #expect(stat(directory, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o700, "root left at \(String(status.st_mode & 0o777, radix: 8))")
    }

    /// Issue 15 item 5: making a new kind directory fsyncs its class directory (traced with strace in a child:
    /// after the mkdir, the class directory is opened and that descriptor fsynced).
    @Test func newKindDirectoryIsFsyncedIntoItsClassDirectory() throws {
        let directory = TestSupport.temporaryDirectory()
        defer { TestSupport.removeDirectory(directory) }
        let store = directory + "/store"
        #expect(try TestSupport.run(try TestSupport.crashWriterPath(), ["open", store]).status == 0)
        let log = directory + "/strace.log"
        let result = try TestSupport.run(try TestSupport.executable("strace"),
            ["-f", "-e", "trace=mkdir,mkdirat,openat,open,fsync", "-o", log, try TestSupport.crashWriterPath(), "put", store, "new-kind"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let made = lines.firstIndex(where: { $0.contains("mkdir") && $0.contains("/public/new-kind\"") && $0.hasSuffix("= 0") }) else {
            Issue.record("no mkdir of the kind directory in \(lines)"); return
        }
        let later = lines[made...]
        let opened = later.compactMap { line -> String? in
            guard line.contains("open"), line.contains("\"\(store)/public\""), line.contains("O_DIRECTORY"),
                  let equals = line.range(of: "= ", options: .backwards) else { return nil }
            return String(line[equals.upperBound...])
        }
        #expect(opened.contains { descriptor in later.contains { $0.contains("fsync(\(descriptor))") } },
                "the class directory was not fsynced after the new kind directory was made")
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
