import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Locks the process's memory so key material is never paged to swap (kmd's habit; issue 5 item 5).
public enum MemoryLock {
    /// The outcome of `lockAll()`, for the server's one start-up log line.
    public struct Outcome: Sendable, Equatable, CustomStringConvertible {
        public let locked: Bool
        /// errno text when locking failed (typically EPERM without CAP_IPC_LOCK, or ENOMEM over RLIMIT_MEMLOCK).
        public let reason: String?
        public var description: String {
            locked ? "mlockall(MCL_CURRENT|MCL_FUTURE) succeeded: memory will not be swapped"
                : "mlockall(MCL_CURRENT|MCL_FUTURE) failed (\(reason ?? "unknown")): memory may be swapped; grant CAP_IPC_LOCK or raise RLIMIT_MEMLOCK"
        }
    }

    /// mlockall(MCL_CURRENT | MCL_FUTURE); returns whether it worked and why not. Never throws: the server runs
    /// either way and logs the outcome.
    @discardableResult
    public static func lockAll() -> Outcome {
        #if os(Linux) || canImport(Darwin)
        // With MCL_FUTURE every later mapping must fit under RLIMIT_MEMLOCK, or allocations start to fail:
        // lock only when the limit is unlimited or the process may exceed it (root or CAP_IPC_LOCK).
        var limit = rlimit()
        if getrlimit(memlockResource, &limit) == 0, limit.rlim_cur != rlim_t.max,
           geteuid() != 0, !hasIPCLockCapability() {
            return Outcome(locked: false, reason: "RLIMIT_MEMLOCK is \(limit.rlim_cur) bytes and the process lacks CAP_IPC_LOCK, so locking future memory would make allocations fail")
        }
        if mlockall(MCL_CURRENT | MCL_FUTURE) == 0 { return Outcome(locked: true, reason: nil) }
        let code = errno
        return Outcome(locked: false, reason: "errno \(code): \(String(cString: strerror(code)))")
        #else
        return Outcome(locked: false, reason: "mlockall is not available on this platform")
        #endif
    }

    #if os(Linux)
    static let memlockResource = __rlimit_resource_t(__RLIMIT_MEMLOCK.rawValue)
    #else
    static let memlockResource = RLIMIT_MEMLOCK
    #endif

    /// Whether CAP_IPC_LOCK (bit 14) is in the effective capability set (Linux: /proc/self/status, CapEff).
    static func hasIPCLockCapability() -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let mask = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16)
        else { return false }
        return mask & (1 << 14) != 0
    }

    /// munlockall(); used by tests and tools that locked memory and want to release it.
    @discardableResult
    public static func unlockAll() -> Bool {
        munlockall() == 0
    }
}

extension MemoryLock {
    /// The outcome of `disableCoreDumps()`.
    public struct CoreDumpOutcome: Sendable, Equatable, CustomStringConvertible {
        public let disabled: Bool
        /// What failed (errno text), when something did.
        public let reason: String?
        public var description: String {
            disabled ? "core dumps disabled (PR_SET_DUMPABLE 0, RLIMIT_CORE 0)"
                : "core dumps not fully disabled (\(reason ?? "unknown")): a crash may write key material to disk"
        }
    }

    /// Keeps key material out of core dumps and away from same-user debuggers: prctl(PR_SET_DUMPABLE, 0) (no core
    /// file, no ptrace attach by non-root, /proc/<pid>/mem and environ owned by root) and RLIMIT_CORE 0 (soft and
    /// hard, so it cannot be raised again). Linux only; elsewhere it reports that nothing was done.
    @discardableResult
    public static func disableCoreDumps() -> CoreDumpOutcome {
        #if os(Linux)
        var failures: [String] = []
        if linuxPrctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0) != 0 {
            failures.append("prctl(PR_SET_DUMPABLE, 0): errno \(errno) \(String(cString: strerror(errno)))")
        }
        var limit = rlimit(rlim_cur: 0, rlim_max: 0)
        if setrlimit(rlimitCore, &limit) != 0 {
            failures.append("setrlimit(RLIMIT_CORE, 0): errno \(errno) \(String(cString: strerror(errno)))")
        }
        return CoreDumpOutcome(disabled: failures.isEmpty, reason: failures.isEmpty ? nil : failures.joined(separator: "; "))
        #else
        return CoreDumpOutcome(disabled: false, reason: "not supported on this platform")
        #endif
    }

    /// prctl(PR_GET_DUMPABLE) and the RLIMIT_CORE soft and hard limits, for tests and diagnostics.
    public static func coreDumpState() -> (dumpable: Int32, softLimit: UInt64, hardLimit: UInt64) {
        #if os(Linux)
        var limit = rlimit()
        _ = getrlimit(rlimitCore, &limit)
        return (linuxPrctl(3 /* PR_GET_DUMPABLE */, 0, 0, 0, 0), UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
        #else
        return (-1, 0, 0)
        #endif
    }
}

#if os(Linux)
/// RLIMIT_CORE as Glibc imports it (an enum type on glibc).
private let rlimitCore = __rlimit_resource_t(RLIMIT_CORE.rawValue)

/// prctl(2). Declared with fixed arguments: Swift cannot call C variadics, and on Linux (x86-64 and AArch64)
/// integer arguments of a variadic call are passed exactly like these.
@_silgen_name("prctl")
private func linuxPrctl(_ option: Int32, _ argument2: UInt, _ argument3: UInt, _ argument4: UInt, _ argument5: UInt) -> Int32
#endif
