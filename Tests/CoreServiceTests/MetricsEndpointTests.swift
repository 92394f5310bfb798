import Foundation
import GRPCCore
import KMSAPI
import Testing

/// Issue 14 item 4: a real core with `[metrics]` serves the Prometheus text format on GET /metrics; a scrape shows
/// the request counters (by method and status) move after calls, and the latency histogram counts them.
@Suite struct MetricsEndpointTests {
    func scrape(_ port: Int, path: String = "/metrics") throws -> (status: String, body: String) {
        let result = try TestProcesses.run(try TestProcesses.tool("curl"), ["-s", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    /// The value of one sample line, e.g. `kms_requests_total{method="GetHealthStatus",status="OK"}`.
    func value(_ body: String, _ sample: String) -> Double? {
        body.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func aScrapeShowsTheCountersMoveAfterRequests() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        var configuration = try workspace.centralized()
        let rootKey = workspace.root.appendingPathComponent("root.key").path
        try TestCluster.writeRootKey(rootKey)
        configuration.vaultKeyFile = rootKey
        let port = try TestProcesses.freePort()
        configuration.extraSections = ["[metrics]\nlisten_address = \"127.0.0.1\"\nlisten_port = \(port)"]
        let server = try await TestServer.start(configuration)
        defer { _ = server.stop() }
        let channel = try server.channel()
        defer { channel.close() }

        for _ in 0..<2 { _ = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty()) as Kms_V1_HealthStatus }
        var unknown = Kms_V1_RequestId()
        unknown.requestID = String(repeating: "5a", count: 32)
        #expect(await TestCalls.statusCode(channel, CoreServiceMethod.getPublicDecryptionResult.path, unknown).code == .notFound)

        let first = try scrape(port)
        #expect(first.status == "200", "\(first)")
        let okHealth = "kms_requests_total{method=\"GetHealthStatus\",status=\"OK\"}"
        let notFound = "kms_requests_total{method=\"GetPublicDecryptionResult\",status=\"NOT_FOUND\"}"
        #expect(value(first.body, okHealth) == 2, "\(first.body)")
        #expect(value(first.body, notFound) == 1, "\(first.body)")
        #expect(first.body.contains("kms_request_duration_seconds"), "\(first.body)")
        // The signing key was made and stored in the vault at start.
        #expect(value(first.body, "kms_vault_operation_duration_seconds_count{operation=\"put_private\"}") ?? 0 >= 1, "\(first.body)")

        _ = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty()) as Kms_V1_HealthStatus
        let second = try scrape(port)
        #expect(value(second.body, okHealth) == 3, "\(second.body)")
        #expect(value(second.body, notFound) == 1)

        // The engine's gauges arrive with the refresher (every 2 s).
        var gauges = second.body
        for _ in 0..<30 where !gauges.contains("kms_keys_held") {
            try await Task.sleep(for: .milliseconds(200))
            gauges = try scrape(port).body
        }
        #expect(value(gauges, "kms_keys_held") == 0, "\(gauges)")
        #expect(try scrape(port, path: "/other").status == "404")
    }
}
