import Foundation
import GRPCCore
import KMSAPI
import SwiftProtobuf

/// The TOML a test server runs with.
struct TestServerConfiguration: Sendable {
    var certificates: TestCertificates
    var dataDirectory: URL
    var servicePort: Int
    /// nil = centralized core (uses core-1's certificate); otherwise this party of `peerPorts.count` parties.
    var party: Int? = nil
    var peerPorts: [Int] = []
    var threshold: Int = 1
    var maxMessageBytes: Int = 4 << 20
    var enableInsecureService = false
    var requireClientCertificate = true
    /// A 32-byte root key file for `[vault]` (nil: no vault, nothing secret persisted).
    var vaultKeyFile: String? = nil
    /// Extra `[threshold]` lines (e.g. "round_timeout_ms = 300").
    var thresholdSettings: [String] = []
    /// `[test_misbehaviour]` mode and delay, for a deliberately faulty core.
    var misbehaviour: (mode: String, delayMilliseconds: Int)? = nil
    /// Extra top-level sections, appended as written (e.g. "[rate_limiter]\nbucket_size = 10").
    var extraSections: [String] = []

    var toml: String {
        let identityParty = party ?? 1
        var text = """
            [service]
            listen_address = "127.0.0.1"
            listen_port = \(servicePort)
            max_message_bytes = \(maxMessageBytes)
            enable_insecure_service = \(enableInsecureService)
            shutdown_grace_seconds = 2
            log_level = "debug"

            [tls]
            ca_cert = "\(certificates.caPath)"
            cert = "\(certificates.certificatePath(party: identityParty))"
            key = "\(certificates.keyPath(party: identityParty))"
            require_client_certificate = \(requireClientCertificate)

            [storage]
            data_dir = "\(dataDirectory.path)"

            """
        if let party {
            text += """

                [threshold]
                party_id = \(party)
                threshold = \(threshold)
                listen_address = "127.0.0.1"
                listen_port = \(peerPorts[party - 1])
                \(thresholdSettings.joined(separator: "\n"))

                """
            for (index, port) in peerPorts.enumerated() {
                text += """

                    [[threshold.peers]]
                    party_id = \(index + 1)
                    address = "localhost:\(port)"
                    identity = "kms-core-\(index + 1)"

                    """
            }
        }
        if let vaultKeyFile {
            text += "\n[vault]\nroot_key_file = \"\(vaultKeyFile)\"\n"
        }
        if let misbehaviour {
            text += "\n[test_misbehaviour]\nmode = \"\(misbehaviour.mode)\"\ndelay_ms = \(misbehaviour.delayMilliseconds)\n"
        }
        for section in extraSections { text += "\n" + section + "\n" }
        return text
    }

    /// Writes the TOML next to the data directory and returns its path.
    func write() throws -> String {
        let url = dataDirectory.deletingLastPathComponent().appendingPathComponent("server-\(servicePort).toml")
        try toml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

/// A real `kms-server` process on loopback, stopped with SIGTERM.
final class TestServer: @unchecked Sendable {
    let process: Process
    let configuration: TestServerConfiguration
    let configPath: String
    let logURL: URL

    var serviceTarget: String { "localhost:\(configuration.servicePort)" }
    var peerTarget: String? { configuration.party.map { "localhost:\(configuration.peerPorts[$0 - 1])" } }

    /// Starts the server and waits until grpc.health.v1 Check answers SERVING over mutual TLS.
    static func start(_ configuration: TestServerConfiguration, environment: [String: String] = [:]) async throws -> TestServer {
        let configPath = try configuration.write()
        let logURL = configuration.dataDirectory.deletingLastPathComponent()
            .appendingPathComponent("server-\(configuration.servicePort).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = try TestProcesses.binary("kms-server")
        process.arguments = ["--config", configPath]
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KMS_CORE__") }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
        let server = TestServer(process: process, configuration: configuration, configPath: configPath, logURL: logURL)
        try await server.waitUntilServing()
        return server
    }

    private init(process: Process, configuration: TestServerConfiguration, configPath: String, logURL: URL) {
        self.process = process
        self.configuration = configuration
        self.configPath = configPath
        self.logURL = logURL
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Polls health until SERVING; a readiness bound (not a timing assertion) of about a minute.
    func waitUntilServing() async throws {
        let channel = try channel()
        defer { channel.close() }
        var lastError = "no answer"
        for _ in 0..<300 {
            guard process.isRunning else {
                throw TestProcesses.Failure(description: "kms-server exited (\(process.terminationStatus)): \(log)")
            }
            do {
                let response: Grpc_Health_V1_HealthCheckResponse = try await TestCalls.call(
                    channel, HealthServiceMethod.check.path, Grpc_Health_V1_HealthCheckRequest(), timeout: .seconds(2))
                if response.status == .serving { return }
            } catch {
                lastError = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestProcesses.Failure(description: "kms-server never became healthy (\(lastError)): \(log)")
    }

    /// A channel to the public endpoint; by default with the cluster's client certificate.
    func channel(tls: ClientTLSConfiguration? = nil, maxSendMessageBytes: Int = 64 << 20) throws -> GRPCChannel {
        let tls = try tls ?? configuration.certificates.clientTLS()
        return try GRPCChannel(configuration: GRPCChannelConfiguration(
            target: serviceTarget, tls: tls, maxSendMessageBytes: maxSendMessageBytes))
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Typed unary calls over a GRPCChannel.
enum TestCalls {
    static func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ channel: GRPCChannel, _ path: String, _ request: Request, timeout: Duration = .seconds(10)
    ) async throws -> Response {
        let bytes: [UInt8] = try request.serializedBytes()
        let answer = try await channel.unary(method: path, request: bytes, timeout: timeout)
        return try Response(serializedBytes: answer)
    }

    /// The status code a call ends with (`.ok` if it succeeded).
    static func statusCode<Request: SwiftProtobuf.Message>(
        _ channel: GRPCChannel, _ path: String, _ request: Request, timeout: Duration = .seconds(10)
    ) async -> GRPCStatus {
        do {
            let bytes: [UInt8] = try request.serializedBytes()
            _ = try await channel.unary(method: path, request: bytes, timeout: timeout)
            return GRPCStatus(.ok)
        } catch let status as GRPCStatus {
            return status
        } catch {
            return GRPCStatus(.unknown, "\(error)")
        }
    }
}

/// A fresh workspace (certificates, data directory, ports) for one test.
struct TestWorkspace: Sendable {
    let certificates: TestCertificates
    let root: URL

    init(parties: Int = 4) throws {
        certificates = try TestCertificates.generate(parties: parties)
        root = try TestProcesses.temporaryDirectory(prefix: "server")
    }

    func dataDirectory(_ name: String = "data") -> URL { root.appendingPathComponent(name) }

    func centralized(maxMessageBytes: Int = 4 << 20) throws -> TestServerConfiguration {
        TestServerConfiguration(
            certificates: certificates, dataDirectory: dataDirectory(), servicePort: try TestProcesses.freePort(),
            maxMessageBytes: maxMessageBytes)
    }

    func thresholdParty(_ party: Int, parties: Int = 4) throws -> TestServerConfiguration {
        TestServerConfiguration(
            certificates: certificates, dataDirectory: dataDirectory("data-\(party)"),
            servicePort: try TestProcesses.freePort(), party: party,
            peerPorts: try (1...parties).map { _ in try TestProcesses.freePort() })
    }

    /// Configurations of all parties of one cluster (shared peer ports, own service ports and data).
    func thresholdCluster(parties: Int = 4) throws -> [TestServerConfiguration] {
        let peerPorts = try (1...parties).map { _ in try TestProcesses.freePort() }
        return try (1...parties).map { party in
            TestServerConfiguration(
                certificates: certificates, dataDirectory: dataDirectory("data-\(party)"),
                servicePort: try TestProcesses.freePort(), party: party, peerPorts: peerPorts)
        }
    }

    func remove() {
        certificates.remove()
        try? FileManager.default.removeItem(at: root)
    }
}
