import Foundation
import Testing

/// A process of ours exits cleanly while other threads still use OpenSSL. OpenSSL's default atexit cleanup frees
/// its global locks under those threads (a core segfaulted in `pthread_rwlock_rdlock` on shutdown in CI);
/// COpenSSLDigest turns that cleanup off when the binary loads. The probe, linked like every binary here, exits
/// while four threads hash.
@Suite struct OpenSSLExitTests {
    /// `kms-openssl-exit-probe` next to the test bundle (or `$KMS_OPENSSL_EXIT_PROBE`).
    static func probePath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["KMS_OPENSSL_EXIT_PROBE"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("kms-openssl-exit-probe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [
            NSLocalizedDescriptionKey: "kms-openssl-exit-probe not found next to \(CommandLine.arguments[0]); build it (swift build)",
        ])
    }

    /// Runs the probe once with posix_spawn and waitpid (Foundation's Process missed some of these exits and
    /// waited forever); a probe still running after 10 s is killed and reported as hung.
    static func runProbe(_ path: String) -> String? {
        var pid: pid_t = 0
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup(path), nil]
        defer { arguments.forEach { free($0) } }
        let spawned = posix_spawn(&pid, path, nil, nil, arguments, environ)
        guard spawned == 0 else { return "posix_spawn failed: \(spawned)" }
        var status: Int32 = 0
        for _ in 0..<1_000 {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid {
                let signal = status & 0x7f, code = (status >> 8) & 0xff
                if signal != 0 { return "killed by signal \(signal)" }
                return code == 0 ? nil : "exit status \(code)"
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return "hung in exit for 10 s"
    }

    @Test func exitingWhileThreadsHashIsClean() throws {
        let path = try Self.probePath()
        let failures = (0..<40).compactMap { run in Self.runProbe(path).map { "run \(run): \($0)" } }
        #expect(failures.isEmpty, "\(failures.count) of 40 exits failed: \(failures.prefix(3))")
    }
}
