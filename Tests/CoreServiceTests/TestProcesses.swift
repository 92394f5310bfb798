import Foundation
import MPCTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Finding and running the built executables (kms-server, kms-core-client, kms-gen-tls-certs) and other
/// programs (openssl, python3) from tests.
enum TestProcesses {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Result: Sendable {
        var status: Int32
        var output: String
        var errorOutput: String
        var combined: String { output + errorOutput }
    }

    /// The build directory holding the executables: the directory of the running test binary
    /// (/proc/self/exe, e.g. .build/debug/<Package>PackageTests.xctest), or KMS_BIN_DIR when set.
    static var binaryDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["KMS_BIN_DIR"] {
            return URL(fileURLWithPath: override)
        }
        if let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: executable).deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent()
    }

    /// A built executable of this package; fails with a clear message if it has not been built.
    static func binary(_ name: String) throws -> URL {
        let url = binaryDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Failure(description: "\(name) not found in \(binaryDirectory.path): run `swift build` first")
        }
        return url
    }

    /// A program on PATH (openssl, python3); fails clearly when missing.
    /// python3 from PATH, after checking that it imports `modules`; the test fails naming `packages` otherwise.
    static func python(importing modules: [String], packages: String) throws -> URL {
        let python = try tool("python3")
        let check = try run(python, ["-c", "import " + modules.joined(separator: ", ")])
        try #require(check.status == 0, "python3 lacks \(packages) (bash scripts/setup.sh): \(check.errorOutput)")
        return python
    }

    static func tool(_ name: String) throws -> URL {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw Failure(description: "\(name) is not installed (PATH has no \(name)); see scripts/setup.sh")
    }

    /// Runs a program to completion and captures its output. A program still running after `limitSeconds` is
    /// killed (SIGKILL) and reported with status −9 and a line saying so, so that a hung client fails its test
    /// instead of hanging the suite.
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], directory: URL? = nil,
        limitSeconds: Int = 300
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KMS_CORE__") }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        if let directory { process.currentDirectoryURL = directory }
        let scratch = try temporaryDirectory(prefix: "run")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(limitSeconds)
        var killed = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                killed = true
                break
            }
            usleep(10_000)
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let errorOutput = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Result(
            status: killed ? -9 : process.terminationStatus,
            output: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            errorOutput: errorOutput + (killed ? "\n(test: \(executable.lastPathComponent) killed after \(limitSeconds) s)\n" : ""))
    }

    static func temporaryDirectory(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kms-\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A loopback TCP port nothing listens on, below the ephemeral range (`LoopbackPort`).
    static func freePort() throws -> Int { try LoopbackPort.free() }
}
