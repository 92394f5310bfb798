import Foundation
import Testing
@testable import Vault
@testable import VaultCrashWriter

/// A writer process is killed with SIGKILL at random points of many writes; afterwards every object that can be
/// read is whole and authentic, and the store opens cleanly with no temp files left (DESIGN §5, issue 5).
@Suite struct CrashSafetyTests {
    /// The writer's own pattern function (Sources/VaultCrashWriter), so both sides agree by construction.
    static func pattern(name: String, version: UInt64, count: Int) -> [UInt8] {
        crashPattern(name: name, version: version, count: count)
    }

    /// Checks that `bytes` is exactly some version of `name`'s pattern.
    static func isWhole(_ bytes: [UInt8], name: String) -> Bool {
        guard bytes.count >= 8 else { return false }
        let version = bytes[0..<8].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        return bytes == pattern(name: name, version: version, count: bytes.count)
    }

    @Test func sigkillAtRandomPointsNeverLeavesATornObject() async throws {
        let writer = try TestSupport.crashWriterPath()
        let directory = TestSupport.temporaryDirectory("crash")
        defer { TestSupport.removeDirectory(directory) }
        let keyPath = directory + "/root.key"
        try FileRootKey.generate(at: keyPath)
        let storePath = directory + "/store"
        var kills = 0
        for round in 0..<25 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = ["write", storePath, keyPath, String(round + 1)]
            let output = Pipe(), errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let started = output.fileHandleForReading.readLineBlocking()
            #expect(started == "writing", "writer did not start: \(String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self))")
            try await Task.sleep(for: .milliseconds(Int.random(in: 5...250)))
            if kill(process.processIdentifier, SIGKILL) == 0 { kills += 1 }
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "writer exited by itself in round \(round)")
        }
        #expect(kills == 25)

        // Before reopening, crashed writers may have left temp files; opening must clean them up.
        let storage = try FileStorage(root: storePath)
        defer { storage.close() }
        let store = VaultStore(backend: storage, rootKey: try FileRootKey(path: keyPath))
        for kind in ["crash-private", "crash-public"] {
            let leftovers = try FileStorage.entries(of: storePath + (kind == "crash-private" ? "/private/" : "/public/") + kind)
            #expect(leftovers.allSatisfy { !$0.hasPrefix(".") }, "temp files left: \(leftovers)")
        }
        let privateIDs = try await store.list(kind: "crash-private", objectClass: .private)
        let publicIDs = try await store.list(kind: "crash-public", objectClass: .public)
        #expect(!privateIDs.isEmpty && !publicIDs.isEmpty, "the writer stored nothing in 25 rounds")
        for id in privateIDs {
            let secret = try await store.getPrivate(id)  // authenticates; throws on any torn or altered object
            #expect(Self.isWhole(secret.withUnsafeBytes { Array($0) }, name: id.name), "private \(id) is not whole")
        }
        for id in publicIDs {
            #expect(Self.isWhole(try await store.getPublic(id), name: id.name), "public \(id) is not whole")
        }
    }

    @Test func patternCheckRejectsTornData() {
        let whole = Self.pattern(name: "object-1", version: 77, count: 1000)
        #expect(Self.isWhole(whole, name: "object-1"))
        #expect(!Self.isWhole(Array(whole.prefix(999)) + [whole[999] ^ 1], name: "object-1"))
        #expect(!Self.isWhole(whole, name: "object-2"))
        #expect(!Self.isWhole(Array(whole.prefix(500)) + Self.pattern(name: "object-1", version: 78, count: 1000).suffix(500),
                              name: "object-1"))
    }
}
