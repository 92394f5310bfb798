import Foundation
import Testing
@testable import Vault

@Suite struct MemoryLockTests {
    /// The outcome must agree with the kernel: when locked, /proc/self/status reports locked memory (VmLck > 0);
    /// when refused, a reason is given.
    /// Issue 15 item 6: after `disableCoreDumps()`, prctl(PR_GET_DUMPABLE) is 0 and RLIMIT_CORE is 0 (soft and
    /// hard). Checked in a child process (kms-vault-crash-writer secrets-probe), not in the test runner.
    @Test func coreDumpsAreDisabledInAChildProcess() throws {
        let probe = try TestSupport.runSecretsProbe(password: "irrelevant-\(UUID().uuidString)")
        #expect(probe.coreDumps == "dumpable=0 core=0/0 disabled=true", "\(probe.coreDumps)")
        #expect(MemoryLock.CoreDumpOutcome(disabled: true, reason: nil).description.contains("disabled"))
    }

    @Test func lockAllReportsWhatTheKernelDid() throws {
        let outcome = MemoryLock.lockAll()
        defer { if outcome.locked { MemoryLock.unlockAll() } }
        if outcome.locked {
            #expect(outcome.reason == nil)
            #expect(outcome.description.contains("succeeded"))
            let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmLck:") }
            let kilobytes = line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            #expect((kilobytes ?? 0) > 0, "mlockall said yes but VmLck is \(String(describing: line))")
        } else {
            #expect(outcome.reason?.contains("errno") == true)
            #expect(outcome.description.contains("failed"))
        }
    }
}
