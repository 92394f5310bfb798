import Foundation
import GRPCCore
import KMSAPI
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// n real kms-server processes over mutual TLS on loopback, each with its own encrypted vault, the insecure
/// test service on, and optionally one deliberately faulty core.
final class TestCluster: @unchecked Sendable {
    let workspace: TestWorkspace
    private(set) var configurations: [TestServerConfiguration]
    private(set) var servers: [Int: TestServer] = [:]

    /// Short fast path, long deadline: a slow honest core is waited for, a silent one costs one deadline.
    static let fastSettings = ["round_timeout_ms = 300", "round_deadline_ms = 2500"]

    init(parties: Int = 4, threshold: Int = 1, settings: [String] = TestCluster.fastSettings,
         faulty: (party: Int, mode: String, delayMilliseconds: Int)? = nil, extraSections: (Int) -> [String] = { _ in [] }) throws {
        workspace = try TestWorkspace(parties: parties)
        var configurations = try workspace.thresholdCluster(parties: parties)
        for index in configurations.indices {
            let keyFile = workspace.root.appendingPathComponent("root-\(index + 1).key").path
            try Self.writeRootKey(keyFile)
            configurations[index].vaultKeyFile = keyFile
            configurations[index].enableInsecureService = true
            configurations[index].threshold = threshold
            configurations[index].thresholdSettings = settings
            configurations[index].extraSections += extraSections(index + 1)
            if let faulty, faulty.party == index + 1 {
                configurations[index].misbehaviour = (faulty.mode, faulty.delayMilliseconds)
            }
        }
        self.configurations = configurations
    }

    /// 32 random bytes, mode 0600.
    static func writeRootKey(_ path: String) throws {
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw TestProcesses.Failure(description: "cannot write \(path)")
        }
    }

    var parties: [Int] { configurations.indices.map { $0 + 1 } }

    func startAll() async throws {
        try await withThrowingTaskGroup(of: (Int, TestServer).self) { group in
            for party in parties {
                let configuration = configurations[party - 1]
                group.addTask { (party, try await TestServer.start(configuration)) }
            }
            for try await (party, server) in group { servers[party] = server }
        }
    }

    func start(_ party: Int) async throws {
        servers[party] = try await TestServer.start(configurations[party - 1])
    }

    /// SIGKILL: no shutdown, no flush — a crash.
    func kill(_ party: Int) {
        guard let server = servers.removeValue(forKey: party) else { return }
        Glibc.kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
    }

    func server(_ party: Int) throws -> TestServer {
        try #require(servers[party], "party \(party) is not running")
    }

    /// Runs InsecureMpcSelfTest on `parties` at once with the same request id; each core gets its own shares of
    /// `values` (degree-t Shamir sharings made by the test). Waits for the default epoch first.
    func selfTest(parties: [Int], triples: Int, bits: Int, values: [UInt64], timeout: Duration = .seconds(60))
        async throws -> [Int: Kms_V1_MpcSelfTestResult]
    {
        let threshold = configurations[0].threshold
        let shares = ReferenceField.share(values, parties: configurations.count, threshold: threshold)
        let requestID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        try await waitForDefaultEpoch(parties: parties)
        return try await withThrowingTaskGroup(of: (Int, Kms_V1_MpcSelfTestResult).self) { group in
            for party in parties {
                let server = try server(party)
                var request = Kms_V1_MpcSelfTestRequest()
                request.requestID.requestID = requestID
                request.triples = UInt32(triples)
                request.bits = UInt32(bits)
                request.inputShares = shares[party - 1]
                group.addTask {
                    let channel = try server.channel()
                    defer { channel.close() }
                    let result: Kms_V1_MpcSelfTestResult = try await TestCalls.call(
                        channel, InsecureCoreServiceMethod.insecureMpcSelfTest.path, request, timeout: timeout)
                    return (party, result)
                }
            }
            var results: [Int: Kms_V1_MpcSelfTestResult] = [:]
            for try await (party, result) in group { results[party] = result }
            return results
        }
    }

    /// Polls GetEpochResult for the default epoch (which the cores create by themselves) until every listed
    /// party has it; a readiness bound, not a timing assertion.
    func waitForDefaultEpoch(parties: [Int]) async throws {
        let epochID = try defaultEpochID()
        for party in parties {
            let channel = try server(party).channel()
            defer { channel.close() }
            var request = Kms_V1_RequestId()
            request.requestID = epochID
            var last = GRPCStatus(.unknown, "not asked")
            for _ in 0..<600 {
                last = await TestCalls.statusCode(channel, CoreServiceMethod.getEpochResult.path, request)
                if last.code == .ok { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            guard last.code == .ok else {
                throw TestProcesses.Failure(description: "party \(party) has no default epoch (\(last)): \(try server(party).log)")
            }
        }
    }

    func defaultEpochID() throws -> String {
        let configuration = try CoreServiceTestSupport.loadConfiguration(configurations[0])
        return try CoreServiceTestSupport.defaultEpochID(configuration)
    }

    func stopAll() {
        for server in servers.values { server.stop() }
        servers.removeAll()
    }

    deinit {
        stopAll()
        workspace.remove()
    }
}

/// GF(p) arithmetic written for the tests with 128-bit integer operations, independent of the Algebra module.
enum ReferenceField {
    static let p: UInt64 = 0xFFFF_FFFF_0000_0001

    static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return p.dividingFullWidth((high % p, low)).remainder
    }

    static func add(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return sum &+ (UInt64.max - p + 1) }
        return sum >= p ? sum - p : sum
    }

    /// Shares of each value by a random degree-t polynomial; result[i] = party i + 1's shares.
    static func share(_ values: [UInt64], parties: Int, threshold: Int) -> [[UInt64]] {
        var result = [[UInt64]](repeating: [], count: parties)
        for value in values {
            let coefficients = [value % p] + (0..<threshold).map { _ in UInt64.random(in: 0..<p) }
            for party in 1...parties {
                var y: UInt64 = 0
                for coefficient in coefficients.reversed() { y = add(multiply(y, UInt64(party)), coefficient) }
                result[party - 1].append(y)
            }
        }
        return result
    }
}
