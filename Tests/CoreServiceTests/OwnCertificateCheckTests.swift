import Foundation
import Testing

/// A core starts only with its own party's certificate and the private key that belongs to it (DESIGN §1).
@Suite struct OwnCertificateCheckTests {
    struct Exit {
        var status: Int32?
        var errorOutput: String
    }

    /// Runs kms-server with `configuration` (paths overridden by `environment`) until it exits, at most
    /// `timeout`; a server still running then is stopped and reported with `status` nil.
    func runUntilExit(
        _ configuration: TestServerConfiguration, environment: [String: String], timeout: Duration = .seconds(30)
    ) async throws -> Exit {
        let process = Process()
        process.executableURL = try TestProcesses.binary("kms-server")
        process.arguments = ["--config", try configuration.write()]
        var merged = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KMS_CORE__") }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        let errors = configuration.dataDirectory.deletingLastPathComponent().appendingPathComponent("stderr-\(UUID())")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let handle = try FileHandle(forWritingTo: errors)
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try handle.close()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let exited = !process.isRunning
        if !exited {
            process.terminate()
            process.waitUntilExit()
        }
        let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        return Exit(status: exited ? process.terminationStatus : nil, errorOutput: text)
    }

    @Test func coreRefusesToStartWithAnotherPartysCertificate() async throws {
        let workspace = try TestWorkspace(parties: 4)
        defer { workspace.remove() }
        let configuration = try workspace.thresholdParty(1)
        let certificates = configuration.certificates
        let exit = try await runUntilExit(configuration, environment: [
            "KMS_CORE__TLS__CERT": certificates.certificatePath(party: 2),
            "KMS_CORE__TLS__KEY": certificates.keyPath(party: 2),
        ])
        #expect(exit.status != nil, "kms-server started as party 1 with party 2's certificate")
        #expect(exit.status != 0)
        let lines = exit.errorOutput.split(separator: "\n")
        #expect(lines.count == 1, "expected one line: \(exit.errorOutput)")
        #expect(exit.errorOutput.contains("tls.cert"), "\(exit.errorOutput)")
        #expect(exit.errorOutput.contains("kms-core-2") && exit.errorOutput.contains("kms-core-1"), "\(exit.errorOutput)")
    }

    /// A certificate made before party certificates carried their identity as a DNS name (only localhost and
    /// 127.0.0.1): the other cores could not reach this core by its identity, so it says so at start.
    @Test func coreRefusesACertificateWithoutItsIdentityAsDNSName() async throws {
        let openssl = try PeerCertificateIdentityTests.OpenSSLCertificates()
        defer { openssl.remove() }
        _ = try openssl.leaf("core-1", subject: "/O=Threshold KMS/CN=kms-core-1")
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        var configuration = try workspace.thresholdParty(1)
        configuration.certificates = TestCertificates(directory: openssl.directory)
        let exit = try await runUntilExit(configuration, environment: [:])
        #expect(exit.status != nil && exit.status != 0, "kms-server started without its identity as a DNS name")
        #expect(exit.errorOutput.split(separator: "\n").count == 1, "expected one line: \(exit.errorOutput)")
        #expect(exit.errorOutput.contains("tls.cert"), "\(exit.errorOutput)")
        #expect(exit.errorOutput.contains("lacks the DNS name kms-core-1"), "\(exit.errorOutput)")
    }

    @Test func coreRefusesAKeyThatIsNotItsCertificates() async throws {
        let workspace = try TestWorkspace(parties: 4)
        defer { workspace.remove() }
        let threshold = try workspace.thresholdParty(3)
        let centralized = try workspace.centralized()
        for configuration in [threshold, centralized] {
            let own = configuration.party ?? 1
            let exit = try await runUntilExit(configuration, environment: [
                "KMS_CORE__TLS__KEY": configuration.certificates.keyPath(party: own == 4 ? 1 : own + 1)
            ])
            #expect(exit.status != nil, "kms-server started with a key that is not its certificate's")
            #expect(exit.status != 0)
            let lines = exit.errorOutput.split(separator: "\n")
            #expect(lines.count == 1, "expected one line: \(exit.errorOutput)")
            #expect(exit.errorOutput.contains("tls.key"), "\(exit.errorOutput)")
        }
    }
}
