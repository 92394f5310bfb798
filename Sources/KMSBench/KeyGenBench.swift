import Engine
import Foundation
import GRPCCore
import KMSAPI
import SwiftProtobuf

/// `kms-bench keygen [--params default|test] [--parties N] [--threshold T]`: KeyGenPreproc then KeyGen on real
/// kms-server processes over mutual TLS (LocalCluster): wall time of each step, bytes each core's protocols sent
/// (HealthStatus.mpc_bytes_sent) and each core's peak resident memory (VmHWM).
enum KeyGenBench {
    static func run(arguments: [String]) async throws {
        if arguments.contains("--help") {
            print("usage: kms-bench keygen [--params default|test (default)] [--parties N (4)] [--threshold T (1)]")
            return
        }
        func option(_ name: String, _ fallback: String) -> String {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return arguments[index + 1]
        }
        let params: Kms_V1_FheParameterSet = option("--params", "default") == "test" ? .test : .default
        let parties = Int(option("--parties", "4")) ?? 4, threshold = Int(option("--threshold", "1")) ?? 1
        // No decryption pool: its background preprocessing would share the CPU with the key generation measured.
        let cluster = try await LocalCluster.start(parties: parties, threshold: threshold, extraTOML: "[decryption]\npool_target_blocks = 0")
        defer { cluster.stop() }
        print("keygen: \(parties) kms-server processes, t = \(threshold), parameters \(params == .test ? "test" : "production"), "
            + "mutual TLS on loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        func newID() -> String { (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined() }
        let preprocessingID = newID(), keyID = newID()
        var preprocessing = Kms_V1_KeyGenPreprocRequest()
        preprocessing.requestID.requestID = preprocessingID
        preprocessing.params = params
        let clock = ContinuousClock()
        let bytesBefore = try await bytesSent(cluster)
        var start = clock.now
        let preprocessingRequest = preprocessing
        try await everyCore(cluster) { channel in
            let _: Kms_V1_Empty = try await cluster.call(channel, CoreServiceMethod.keyGenPreproc.path, preprocessingRequest)
        }
        try await waitAll(cluster, CoreServiceMethod.getKeyGenPreprocResult.path, preprocessingID, as: Kms_V1_KeyGenPreprocResult.self)
        let preprocessingSeconds = seconds(clock.now - start)
        let bytesAfterPreprocessing = try await bytesSent(cluster)

        var keyGen = Kms_V1_KeyGenRequest()
        keyGen.requestID.requestID = keyID
        keyGen.params = params
        keyGen.preprocID.requestID = preprocessingID
        start = clock.now
        let keyGenRequest = keyGen
        try await everyCore(cluster) { channel in
            let _: Kms_V1_Empty = try await cluster.call(channel, CoreServiceMethod.keyGen.path, keyGenRequest)
        }
        try await waitAll(cluster, CoreServiceMethod.getKeyGenResult.path, keyID, as: Kms_V1_KeyGenResult.self)
        let keyGenSeconds = seconds(clock.now - start)
        let bytesAfter = try await bytesSent(cluster)

        print(String(format: "KeyGenPreproc %.1f s, KeyGen %.1f s, together %.1f s", preprocessingSeconds, keyGenSeconds,
                     preprocessingSeconds + keyGenSeconds))
        for party in 0..<parties {
            let preprocessingBytes = bytesAfterPreprocessing[party] - bytesBefore[party]
            let keyGenBytes = bytesAfter[party] - bytesAfterPreprocessing[party]
            print(String(format: "core %d: sent %.1f MiB in KeyGenPreproc, %.1f MiB in KeyGen; peak RSS %.0f MiB", party + 1,
                         Double(preprocessingBytes) / 1_048_576, Double(keyGenBytes) / 1_048_576,
                         Double(peakResidentKiB(cluster.processes[party])) / 1024))
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func everyCore(_ cluster: LocalCluster, _ body: @escaping @Sendable (GRPCChannel) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for channel in cluster.channels { group.addTask { try await body(channel) } }
            try await group.waitForAll()
        }
    }

    /// Polls a Get…Result on every core until it stops answering UNAVAILABLE.
    static func waitAll<Response: SwiftProtobuf.Message>(_ cluster: LocalCluster, _ path: String, _ id: String, as: Response.Type) async throws {
        var request = Kms_V1_RequestId()
        request.requestID = id
        for channel in cluster.channels {
            while true {
                do {
                    let _: Response = try await cluster.call(channel, path, request)
                    break
                } catch let status as GRPCStatus where status.code == .unavailable {
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
        }
    }

    static func bytesSent(_ cluster: LocalCluster) async throws -> [Int] {
        var result: [Int] = []
        for channel in cluster.channels {
            let health: Kms_V1_HealthStatus = try await cluster.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
            result.append(Int(health.mpcBytesSent))
        }
        return result
    }

    /// CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 if unreadable.
    static func cpuSeconds(_ process: Process) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return 0 }
        // After "pid (comm)": state is field 3, utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmHWM of a running process, in KiB (0 if unreadable).
    static func peakResidentKiB(_ process: Process) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0
        }
        return 0
    }
}
