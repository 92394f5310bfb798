import Algebra
import Engine
import Foundation
import GRPCCore
import KMSAPI
import MPCTestSupport
import SwiftProtobuf

/// A local n-party cluster of real kms-server processes for benchmarks: certificates from kms-gen-tls-certs,
/// free loopback ports, one vault root key file per core, the insecure test service on (for the MPC self test).
final class LocalCluster: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let directory: URL
    let processes: [Process]
    let channels: [GRPCChannel]
    let defaultEpochID: String

    private init(directory: URL, processes: [Process], channels: [GRPCChannel], defaultEpochID: String) {
        self.directory = directory
        self.processes = processes
        self.channels = channels
        self.defaultEpochID = defaultEpochID
    }

    static var binaryDirectory: URL {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent()
    }

    /// `extraTOML` is appended to every core's configuration (e.g. a `[decryption]` table).
    static func start(parties: Int, threshold: Int, extraTOML: String = "") async throws -> LocalCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kms-bench-cluster-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = directory.appendingPathComponent("certs")
        try run(binaryDirectory.appendingPathComponent("kms-gen-tls-certs"), ["--parties", "\(parties)", "--out", certificates.path])
        let peerPorts = try (1...parties).map { _ in try LoopbackPort.free() }
        let servicePorts = try (1...parties).map { _ in try LoopbackPort.free() }
        var processes: [Process] = []
        var epochID = ""
        for party in 1...parties {
            let keyFile = directory.appendingPathComponent("root-\(party).key").path
            var key = SecureRandom()
            _ = FileManager.default.createFile(atPath: keyFile, contents: Data(key.bytes(count: 32)), attributes: [.posixPermissions: 0o600])
            var toml = """
                [service]
                listen_address = "127.0.0.1"
                listen_port = \(servicePorts[party - 1])
                max_message_bytes = 67108864
                enable_insecure_service = true
                log_level = "warning"
                [tls]
                ca_cert = "\(certificates.path)/ca.pem"
                cert = "\(certificates.path)/core-\(party).pem"
                key = "\(certificates.path)/core-\(party).key"
                [storage]
                data_dir = "\(directory.path)/data-\(party)"
                [vault]
                root_key_file = "\(keyFile)"
                [threshold]
                party_id = \(party)
                threshold = \(threshold)
                listen_address = "127.0.0.1"
                listen_port = \(peerPorts[party - 1])

                """
            for peer in 1...parties {
                toml += "[[threshold.peers]]\nparty_id = \(peer)\naddress = \"localhost:\(peerPorts[peer - 1])\"\nidentity = \"kms-core-\(peer)\"\n"
            }
            toml += extraTOML.isEmpty ? "" : "\n" + extraTOML + "\n"
            let path = directory.appendingPathComponent("core-\(party).toml").path
            try toml.write(toFile: path, atomically: true, encoding: .utf8)
            if party == 1, let thresholdConfiguration = try ConfigurationLoader.parse(toml: toml).threshold {
                epochID = try MpcContext.fromConfiguration(thresholdConfiguration).defaultEpochIdentifier.hex
            }
            let process = Process()
            process.executableURL = binaryDirectory.appendingPathComponent("kms-server")
            process.arguments = ["--config", path]
            let log = directory.appendingPathComponent("core-\(party).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            processes.append(process)
        }
        let tls = ClientTLSConfiguration(
            trustedRootsPEM: try String(contentsOf: certificates.appendingPathComponent("ca.pem"), encoding: .utf8),
            identity: TLSIdentity(
                certificateChainPEM: try String(contentsOf: certificates.appendingPathComponent("client.pem"), encoding: .utf8),
                privateKeyPEM: try String(contentsOf: certificates.appendingPathComponent("client.key"), encoding: .utf8)))
        let channels = try servicePorts.map {
            try GRPCChannel(configuration: GRPCChannelConfiguration(target: "localhost:\($0)", tls: tls))
        }
        let cluster = LocalCluster(directory: directory, processes: processes, channels: channels, defaultEpochID: epochID)
        try await cluster.waitForEpoch()
        return cluster
    }

    func waitForEpoch() async throws {
        var request = Kms_V1_RequestId()
        request.requestID = defaultEpochID
        for channel in channels {
            var ready = false
            for _ in 0..<600 where !ready {
                if (try? await call(channel, CoreServiceMethod.getEpochResult.path, request) as Kms_V1_EpochResult) != nil {
                    ready = true
                } else {
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            guard ready else { throw Failure(description: "the cluster created no epoch (logs in \(directory.path))") }
        }
    }

    /// InsecureMpcSelfTest on every core at once (generate only): the slowest core's protocol time (as the core
    /// measured it, without the request's transfer), the client's wall time, and the most bytes a core sent.
    func selfTest(triples: Int, inputs: [[FieldElement]]) async throws -> (seconds: Double, wallSeconds: Double, bytesSent: Int) {
        var id = SecureRandom()
        let requestID = id.bytes(count: 32).map { String(format: "%02x", $0) }.joined()
        let clock = ContinuousClock()
        let start = clock.now
        let (sent, micros) = try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
            for (index, channel) in channels.enumerated() {
                var request = Kms_V1_MpcSelfTestRequest()
                request.requestID.requestID = requestID
                request.triples = UInt32(triples)
                request.generateOnly = true
                request.inputShares = inputs.map { $0[index].value }
                group.addTask {
                    let result: Kms_V1_MpcSelfTestResult = try await self.call(
                        channel, InsecureCoreServiceMethod.insecureMpcSelfTest.path, request, timeout: .seconds(600))
                    return (Int(result.bytesSent), result.elapsedMicros)
                }
            }
            return try await group.reduce((0, UInt64(0))) { (max($0.0, $1.0), max($0.1, $1.1)) }
        }
        return (Double(micros) / 1e6, ClusterBench.seconds(clock.now - start), sent)
    }

    func bandwidth(payloadBytes: Int, repetitions: Int) async throws -> Kms_V1_BandwidthBenchmarkResult {
        var request = Kms_V1_BandwidthBenchmarkRequest()
        request.payloadBytes = UInt64(payloadBytes)
        request.repetitions = UInt32(repetitions)
        return try await call(channels[0], CoreServiceMethod.bandwidthBenchmark.path, request, timeout: .seconds(300))
    }

    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ channel: GRPCChannel, _ path: String, _ request: Request, timeout: Duration = .seconds(10)
    ) async throws -> Response {
        let bytes: [UInt8] = try request.serializedBytes()
        return try Response(serializedBytes: try await channel.unary(method: path, request: bytes, timeout: timeout))
    }

    func stop() {
        for channel in channels { channel.close() }
        for process in processes where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func run(_ executable: URL, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure(description: "\(executable.lastPathComponent) failed") }
    }
}
