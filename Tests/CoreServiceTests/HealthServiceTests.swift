import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// grpc.health.v1 Watch and server reflection on real cores, called by grpcio's own health and reflection
/// clients (tests/python/check_health_and_reflection.py).
@Suite(.serialized) struct HealthServiceTests {
    static let script = PythonClientTests.repository.appendingPathComponent("tests/python/check_health_and_reflection.py").path

    static func requirePythonModules() throws -> URL {
        try TestProcesses.python(importing: ["grpc", "grpc_tools", "grpc_health", "grpc_reflection"],
                                 packages: "grpcio-health-checking/grpcio-reflection")
    }

    @Test func reflectionListsTheServicesAndResolvesEveryMethod() async throws {
        let python = try Self.requirePythonModules()
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let server = try await TestServer.start(try workspace.centralized())
        defer { server.stop() }
        let certificates = workspace.certificates
        let result = try TestProcesses.run(python, [
            Self.script, "reflect", "--proto-dir", PythonClientTests.repository.appendingPathComponent("proto").path,
            "--target", server.serviceTarget,
            "--ca", certificates.caPath, "--cert", certificates.clientCertificatePath, "--key", certificates.clientKeyPath,
        ], limitSeconds: 120)
        #expect(result.status == 0, "reflection client failed: \(result.combined)")
        #expect(result.output.contains("ok: v1alpha list_services -> ['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'kms.v1.CoreServiceEndpoint']"),
                "\(result.combined)")
        #expect(result.output.contains("ok: kms.v1.CoreServiceEndpoint:"), "\(result.combined)")
        #expect(result.output.contains("ok: v1 list_services equals v1alpha's"), "\(result.combined)")
        #expect(result.output.contains("ok: unknown symbol -> error 5"), "\(result.combined)")
        #expect(!result.output.contains("FAIL"), "\(result.combined)")
        // The core still serves after the streams ended.
        let again = try TestProcesses.run(python, [
            Self.script, "watch", "--target", server.serviceTarget, "--service", "", "--until", "SERVING", "--timeout", "20",
            "--ca", certificates.caPath, "--cert", certificates.clientCertificatePath, "--key", certificates.clientKeyPath,
        ], limitSeconds: 60)
        #expect(again.status == 0 && again.output.contains("status: SERVING"), "\(again.combined)")
    }

    @Test func watchStreamsAPeerThatStopsAndACoreThatShutsDown() async throws {
        let python = try Self.requirePythonModules()
        let cluster = try TestCluster()
        defer { cluster.stopAll() }
        try await cluster.startAll()
        let certificates = cluster.workspace.certificates
        func watcher(_ party: Int, service: String, until: String) throws -> BackgroundProcess {
            try BackgroundProcess(python, [
                Self.script, "watch", "--target", try cluster.server(party).serviceTarget, "--service", service,
                "--until", until, "--timeout", "90",
                "--ca", certificates.caPath, "--cert", certificates.clientCertificatePath, "--key", certificates.clientKeyPath,
            ])
        }
        // Core 1 watches core 2; core 3 watches itself ("").
        let peer = try watcher(1, service: "kms.peer.2", until: "NOT_SERVING")
        let own = try watcher(3, service: "", until: "NOT_SERVING")
        let unknown = try watcher(1, service: "kms.peer.9", until: "SERVICE_UNKNOWN")
        try await peer.waitForOutput("status: SERVING")
        try await own.waitForOutput("status: SERVING")
        #expect(await unknown.finish() == 0, "an unknown service streams SERVICE_UNKNOWN: \(unknown.output)")

        cluster.kill(2)  // a crash: core 1's Watch must notice by its probes
        #expect(await peer.finish() == 0, "watch of kms.peer.2: \(peer.output)")
        #expect(peer.output.contains("status: SERVING\nstatus: NOT_SERVING"), "\(peer.output)")

        let status = try cluster.server(3).stop()  // SIGTERM: NOT_SERVING first, then the stream ends
        #expect(status == 0)
        #expect(await own.finish() == 0, "watch of core 3: \(own.output)")
        #expect(own.output.contains("status: SERVING\nstatus: NOT_SERVING"), "\(own.output)")
    }
}

/// A program running beside the test, its standard output collected in a file.
final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    private let outputURL: URL
    private var finalOutput: String?

    init(_ executable: URL, _ arguments: [String]) throws {
        outputURL = try TestProcesses.temporaryDirectory(prefix: "background").appendingPathComponent("output")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputURL)
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { finalOutput ?? (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }

    /// Waits until the output contains `text` (or fails after `limit`).
    func waitForOutput(_ text: String, limit: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + limit
        while !output.contains(text) {
            guard ContinuousClock.now < deadline, process.isRunning || output.contains(text) else {
                throw TestProcesses.Failure(description: "no '\(text)' from \(process.arguments?.first ?? "") : \(output)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits for the exit (SIGKILL after `limit`) and returns the status.
    func finish(limit: Duration = .seconds(120)) async -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now >= deadline { kill(process.processIdentifier, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        finalOutput = output
        try? FileManager.default.removeItem(at: outputURL.deletingLastPathComponent())
        return process.terminationStatus
    }
}
