import ArgumentParser
import Engine
import Foundation
import Logging

/// `kms-server --config PATH`: runs one core until SIGTERM or SIGINT, then shuts down gracefully.
/// On a bad configuration, a locked data directory or a port in use it prints one line and exits with 2.
@main
struct KMSServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kms-server",
        abstract: "Run one Threshold KMS core (threshold party or centralized server).",
        discussion: """
            Reads the TOML configuration at --config (see config/default_*.toml).
            Any field can be overridden by an environment variable
            KMS_CORE__<SECTION>__<KEY>, e.g. KMS_CORE__SERVICE__LISTEN_PORT=50200
            or KMS_CORE__THRESHOLD__PEERS__0__ADDRESS=host:port.
            A bad configuration, a data directory in use by another server or a
            busy port is reported in one line on stderr (exit status 2).
            SIGTERM or SIGINT stops the server gracefully: in-flight calls get
            service.shutdown_grace_seconds to finish.
            """,
        version: KMSVersion.current
    )

    @Option(name: .long, help: "Path of the TOML configuration file.")
    var config: String

    func run() async throws {
        // Before anything secret is read (the vault password, key shares): no core file, no same-user ptrace.
        let coreDumps = MemoryProtection.disableCoreDumps()
        MemoryProtection.limitAllocatorRetention()
        let configuration: CoreConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: config)
        } catch {
            throw Self.refuse(error.description)
        }
        let level = Logger.Level(rawValue: configuration.service.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "kms-server")
        KMSMetrics.bootstrap()

        let signals = SignalWaiter(signals: [SIGTERM, SIGINT])
        let server: CoreServer
        do {
            server = try await CoreServer(configuration: configuration, logger: logger)
            try server.start()
        } catch {
            throw Self.refuse(error.description)
        }
        // After start-up, so that a refusal stays one line on stderr.
        MemoryProtection.lockMemory(logger: logger)
        MemoryProtection.log(coreDumps, logger: logger)
        let received = await signals.next()
        logger.info("shutting down", metadata: ["signal": "\(received)"])
        await server.shutdown()
    }

    /// Prints the one-line reason (on stderr) and returns the exit code to throw.
    static func refuse(_ reason: String) -> ExitCode {
        let line = reason.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("kms-server: \(line)\n".utf8))
        return ExitCode(2)
    }
}
