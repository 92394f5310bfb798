import Foundation
import GRPCCore
@testable import Engine
import KMSAPI
import Testing

/// Issue 14 item 5: a real core writes one signed, chained entry per request it served; `kms-core-client audit
/// verify` accepts the file as written and names the entry when one is removed, altered or reordered; a restart
/// continues the chain (and cuts a torn last line).
@Suite struct AuditLogTests {
    func verify(_ file: URL, address: String? = nil) throws -> TestProcesses.Result {
        try TestProcesses.run(try TestProcesses.binary("kms-core-client"),
                              ["audit", "verify", "--file", file.path] + (address.map { ["--address", $0] } ?? []))
    }

    func lines(_ file: URL) throws -> [String] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    func write(_ lines: [String], to file: URL) throws {
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
    }

    /// The entries' time keeps the format the log always had (internet date time with milliseconds, UTC), read
    /// back by ISO8601DateFormatter (which wrote it before) to the millisecond it was taken in. (The formatter
    /// rounded to the nearest millisecond, the format style truncates.)
    @Test func timestampKeepsTheFormatOfTheFormatter() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let shape = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#)
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 1_796_400_000.5), Date()]
        dates += (0..<500).map { _ in Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800)) }
        for date in dates {
            let written = AuditLog.timestamp(date)
            #expect(written.wholeMatch(of: shape) != nil, "\(written)")
            let read = try #require(formatter.date(from: written))
            #expect(read <= date && date.timeIntervalSince(read) < 0.001, "\(written) for \(date.timeIntervalSince1970)")
            #expect(String(written.prefix(19)) == String(formatter.string(from: read).prefix(19)))
        }
    }

    @Test func everyRequestIsChainedSignedAndTamperingIsNamed() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        var configuration = try workspace.centralized()
        let rootKey = workspace.root.appendingPathComponent("root.key").path
        try TestCluster.writeRootKey(rootKey)
        configuration.vaultKeyFile = rootKey
        var server = try await TestServer.start(configuration)
        let channel = try server.channel()
        let operatorKey: Kms_V1_OperatorPublicKey = try await TestCalls.call(channel, CoreServiceMethod.getOperatorPublicKey.path, Kms_V1_Empty())
        _ = try await TestCalls.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty()) as Kms_V1_HealthStatus
        let unknown = String(repeating: "5a", count: 32)
        var request = Kms_V1_RequestId()
        request.requestID = unknown
        let missing = await TestCalls.statusCode(channel, CoreServiceMethod.getPublicDecryptionResult.path, request)
        #expect(missing.code == .notFound)
        _ = try await TestCalls.call(channel, CoreServiceMethod.getKeyMaterialAvailability.path, Kms_V1_Empty()) as Kms_V1_KeyMaterialAvailability
        channel.close()
        #expect(server.stop() == 0)

        let file = configuration.dataDirectory.appendingPathComponent("audit.log")
        let written = try lines(file)
        #expect(written.count == 4, "\(written)")
        let entries = try written.map(object)
        #expect(entries.compactMap { $0["method"] as? String }
            == ["GetOperatorPublicKey", "GetHealthStatus", "GetPublicDecryptionResult", "GetKeyMaterialAvailability"])
        #expect(entries[2]["status"] as? String == "NOT_FOUND" && entries[2]["request_id"] as? String == unknown, "\(entries[2])")
        #expect(entries.allSatisfy { $0["caller"] as? String == "kms-client" }, "\(entries)")
        // Digests are SHA-256 (the "digest" field says so): the request of entry 3 against Python's hashlib.
        #expect(entries.allSatisfy { $0["digest"] as? String == "sha-256" }, "\(entries)")
        let sent = workspace.root.appendingPathComponent("request.bin")
        try Data(try request.serializedBytes() as [UInt8]).write(to: sent)
        let hashlib = try TestProcesses.run(try TestProcesses.tool("python3"), [
            "-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", sent.path,
        ])
        #expect(entries[2]["request_digest"] as? String == hashlib.output.trimmingCharacters(in: .whitespacesAndNewlines), "\(entries[2])")
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)

        let ok = try verify(file, address: operatorKey.address)
        #expect(ok.status == 0 && ok.output.contains("4 entries"), "\(ok.combined)")

        // Tampering, each on a copy: the message names the entry.
        let copy = workspace.root.appendingPathComponent("tampered.log")
        try write([written[0], written[2], written[3]], to: copy)
        let removed = try verify(copy)
        #expect(removed.status == 1 && removed.errorOutput.contains("entry 3"), "\(removed.combined)")
        try write([written[0], written[2], written[1], written[3]], to: copy)
        let reordered = try verify(copy)
        #expect(reordered.status == 1 && reordered.errorOutput.contains("entry 3"), "\(reordered.combined)")
        try write([written[0], written[1].replacingOccurrences(of: "\"GetHealthStatus\"", with: "\"KeyGen\""), written[2], written[3]], to: copy)
        let altered = try verify(copy)
        #expect(altered.status == 1 && altered.errorOutput.contains("entry 2 was altered"), "\(altered.combined)")
        let otherCore = try verify(file, address: "0x00000000000000000000000000000000000000aa")
        #expect(otherCore.status == 1 && otherCore.errorOutput.contains("signed by"), "\(otherCore.combined)")

        // A crash mid-write leaves a torn last line: the restarted core cuts it and continues the chain.
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\":5,\"time\":".utf8))
        try handle.close()
        server = try await TestServer.start(configuration)
        let again = try server.channel()
        _ = try await TestCalls.call(again, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty()) as Kms_V1_HealthStatus
        again.close()
        #expect(server.stop() == 0)
        let continued = try lines(file)
        #expect(continued.count == 5, "\(continued)")
        let last = try object(try #require(continued.last))
        #expect(last["seq"] as? Int == 5, "\(continued)")
        let stillOK = try verify(file, address: operatorKey.address)
        #expect(stillOK.status == 0 && stillOK.output.contains("5 entries"), "\(stillOK.combined)")

        // A log altered while the core was down: the core refuses to start on it, in one line.
        try write([written[0], written[2], written[3]], to: file)
        do {
            let refused = try await TestServer.start(configuration)
            _ = refused.stop()
            Issue.record("a core started on an altered audit log")
        } catch let failure as TestProcesses.Failure {
            #expect(failure.description.contains("cannot open the audit log") && failure.description.contains("does not verify"),
                    "\(failure.description)")
        }
    }
}
