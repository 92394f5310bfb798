import Foundation
import Testing

/// A Python gRPC client generated at test time from proto/ with grpcio-tools calls a real kms-server over
/// mutual TLS (tests/python/check_core_endpoint.py).
@Suite struct PythonClientTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func generatedPythonClientGetsServingAStatusAndInvalidArgument() async throws {
        let python = try TestProcesses.python(importing: ["grpc", "grpc_tools"], packages: "grpcio/grpcio-tools")

        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let server = try await TestServer.start(try workspace.centralized())
        defer { server.stop() }
        let certificates = workspace.certificates
        let result = try TestProcesses.run(python, [
            Self.repository.appendingPathComponent("tests/python/check_core_endpoint.py").path,
            "--proto-dir", Self.repository.appendingPathComponent("proto").path,
            "--target", server.serviceTarget,
            "--ca", certificates.caPath, "--cert", certificates.clientCertificatePath, "--key", certificates.clientKeyPath,
        ])
        #expect(result.status == 0, "python client failed: \(result.combined)")
        #expect(result.output.contains("ok: health Check -> SERVING"), "\(result.combined)")
        #expect(result.output.contains("ok: GetHealthStatus -> SERVING_STATE_SERVING version=0.1.0 deployment=centralized"), "\(result.combined)")
        #expect(result.output.contains("ok: malformed RequestId -> INVALID_ARGUMENT (request_id:"), "\(result.combined)")
        #expect(!result.output.contains("FAIL"))
    }
}
