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
}
