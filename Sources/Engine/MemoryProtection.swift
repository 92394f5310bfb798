#if canImport(Glibc)
import Glibc
#endif
import Logging
import Vault

/// Start-up memory protection of a core: lock its pages so key material never reaches swap (kmd's habit,
/// DESIGN §5). The server runs either way; one log line says whether locking worked and why not.
public enum MemoryProtection {
    public static func lockMemory(logger: Logger) {
        let outcome = MemoryLock.lockAll()
        if outcome.locked {
            logger.info("memory locked", metadata: ["detail": "\(outcome)"])
        } else {
            logger.warning("memory not locked", metadata: ["detail": "\(outcome)"])
        }
    }

    /// Disables core dumps (prctl PR_SET_DUMPABLE 0, RLIMIT_CORE 0): a crash must not write key shares to disk,
    /// and another process of the same user must not attach and read them. Called first thing at start-up,
    /// before any secret is read; returns the outcome for the start-up log.
    @discardableResult
    public static func disableCoreDumps() -> MemoryLock.CoreDumpOutcome {
        MemoryLock.disableCoreDumps()
    }

    /// Logs the outcome of `disableCoreDumps()`.
    public static func log(_ outcome: MemoryLock.CoreDumpOutcome, logger: Logger) {
        if outcome.disabled {
            logger.info("core dumps disabled", metadata: ["detail": "\(outcome)"])
        } else {
            logger.warning("core dumps not disabled", metadata: ["detail": "\(outcome)"])
        }
    }

    /// Makes the allocator give large buffers back to the system when they are freed. glibc raises its mmap
    /// threshold after the first large free, after which megabyte-sized message buffers (every peer message a
    /// flooding peer sends is decoded before it can be refused) stay in the heap and, with all memory locked,
    /// resident. A fixed 128 KiB threshold and two arenas keep resident memory close to what is really held.
    public static func limitAllocatorRetention() {
        #if canImport(Glibc)
        // <malloc.h> values: M_MMAP_THRESHOLD = -3, M_ARENA_MAX = -8 (Glibc's module map does not export them).
        _ = glibcMallopt(-3, 128 * 1024)
        _ = glibcMallopt(-8, 2)
        #endif
    }
}

extension MemoryProtection {
    /// Hands the allocator's free pages back to the system (glibc `malloc_trim`). Called after a peer was refused
    /// for its quota: the refused calls were decoded before they could be refused, and their freed buffers would
    /// otherwise stay resident (all memory is locked) — a flood must leave no more than the quota behind.
    public static func releaseFreedMemory() {
        #if canImport(Glibc)
        _ = glibcMallocTrim(0)
        #endif
    }
}

#if canImport(Glibc)
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32

@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
