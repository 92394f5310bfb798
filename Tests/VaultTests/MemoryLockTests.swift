import Foundation
import Testing
@testable import Vault

@Suite struct MemoryLockTests {
    /// The outcome must agree with the kernel: when locked, /proc/self/status reports locked memory (VmLck > 0);
    /// when refused, a reason is given.
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
