import Foundation
@testable import Vault

/// Helpers shared by the vault tests: temp directories, key files, child processes.
enum TestSupport {
    /// A fresh empty directory under the system temp directory.
    static func temporaryDirectory(_ label: String = "vault") -> String {
        let path = NSTemporaryDirectory() + "kms-\(label)-" + UUID().uuidString.lowercased()
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func removeDirectory(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// A new 0600 root-key file in `directory`.
    static func makeFileRootKey(in directory: String, name: String = "root.key") throws -> (FileRootKey, String) {
        let path = directory + "/" + name
        return (try FileRootKey.generate(at: path), path)
    }

    /// The `kms-vault-crash-writer` executable next to the test bundle (or `$KMS_VAULT_CRASH_WRITER`).
    static func crashWriterPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["KMS_VAULT_CRASH_WRITER"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("kms-vault-crash-writer").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw VaultError.invalidConfiguration(
            "kms-vault-crash-writer not found next to \(CommandLine.arguments[0]); build it (swift build) or set KMS_VAULT_CRASH_WRITER")
    }

    /// The moto endpoint; a test that needs it fails (never skips) when it is absent.
    static func motoEndpoint() throws -> String {
        guard let endpoint = ProcessInfo.processInfo.environment["KMS_TEST_MOTO_ENDPOINT"], !endpoint.isEmpty else {
            throw VaultError.invalidConfiguration(
                "KMS_TEST_MOTO_ENDPOINT is not set: start `moto_server -H 127.0.0.1 -p 5055` and export KMS_TEST_MOTO_ENDPOINT=http://127.0.0.1:5055")
        }
        return endpoint
    }

    struct ProcessResult {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs a process to completion and captures its output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus,
                             standardOutput: String(decoding: outputData, as: UTF8.self),
                             standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// `kms-vault-crash-writer secrets-probe`: a child that read `password` from its environment through
    /// `PasswordSource.environment`. `environ` is its /proc/<pid>/environ right after the read; `coreDumps` the
    /// line it printed after calling `MemoryLock.disableCoreDumps()`.
    static func runSecretsProbe(password: String) throws -> (readLine: String, environ: Data, coreDumps: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try crashWriterPath())
        process.arguments = ["secrets-probe", "KMS_PROBE_PASSWORD"]
        var environment = ProcessInfo.processInfo.environment
        environment["KMS_PROBE_PASSWORD"] = password
        process.environment = environment
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        defer { try? input.fileHandleForWriting.close(); process.waitUntilExit() }
        func line() throws -> String {
            var bytes = [UInt8]()
            while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != 10 { bytes.append(byte) }
            return String(decoding: bytes, as: UTF8.self)
        }
        let readLine = try line()
        let environ = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/environ"))
        try input.fileHandleForWriting.write(contentsOf: Data("\n".utf8))
        return (readLine, environ, try line())
    }

    /// `python3` from PATH, or a clear error.
    static func python3() throws -> String { try executable("python3") }

    /// An executable from PATH, or a clear error naming it.
    static func executable(_ name: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw VaultError.invalidConfiguration("\(name) is required for this test but is not on PATH (pip install boto3 'moto[server]')")
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in generator.next() }
    }
}
