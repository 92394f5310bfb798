import Algebra
import Crypto
import Engine
import FHEKeys
import Foundation
import GRPCCore
import KMSAPI
import MPCProtocols
import Signatures
import SwiftProtobuf

/// `kms-bench decrypt [--params default|test] [--parties N] [--threshold T] [--samples S] [--in-flight 1,16,64]
/// [--pool-target B] [--pool-batch B]`: public decryption of euint64 ciphertexts on real kms-server processes over
/// mutual TLS (LocalCluster), with a key set from InsecureKeyGen (the decryption does not depend on how the key was
/// made). The cores keep a pool of B preprocessed blocks (`pool_target_blocks`; 0 = every request preprocesses its
/// own); the bench waits until it is full. Latency: PublicDecryptSync sent to every core at once, until every core
/// answered, one request at a time: back to back (p50, p99; the pool refills in the background meanwhile), then
/// with the material ready (each request sent once every pool is back at its target, so no refill competes with
/// it). Throughput: that many requests in flight (`--requests N` of them, default max(2·level, 32)), until the
/// pool is spent and beyond (each core keeps refilling, one batch at a time; a request whose leader has no made
/// blocks preprocesses its own). Requests name their handles, as a full node does. Every answer is checked
/// against the encrypted value.
enum DecryptionBench {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func run(arguments: [String]) async throws {
        if arguments.contains("--help") {
            print("usage: kms-bench decrypt [--params default (default)|test] [--parties N (4)] [--threshold T (1)] "
                + "[--samples S (30)] [--user-samples U (10)] [--in-flight LIST (1,16,64)] [--requests N (max(2·level, 32))] [--pool-target BLOCKS (1024)] [--pool-batch BLOCKS (64)]")
            return
        }
        func option(_ name: String, _ fallback: String) -> String {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return arguments[index + 1]
        }
        let params: Kms_V1_FheParameterSet = option("--params", "default") == "test" ? .test : .default
        let parameters: FHEParameters = params == .test ? .insecureTest : .production
        let parties = Int(option("--parties", "4")) ?? 4, threshold = Int(option("--threshold", "1")) ?? 1
        let samples = max(2, Int(option("--samples", "30")) ?? 30)
        let levels = option("--in-flight", "1,16,64").split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        let requests = Int(option("--requests", "0")) ?? 0
        let poolTarget = Int(option("--pool-target", "1024")) ?? 1024, poolBatch = Int(option("--pool-batch", "64")) ?? 64
        let cluster = try await LocalCluster.start(
            parties: parties, threshold: threshold,
            extraTOML: "[decryption]\npool_target_blocks = \(poolTarget)\npool_batch_blocks = \(poolBatch)")
        defer { cluster.stop() }
        print("decrypt: \(parties) kms-server processes, t = \(threshold), parameters \(parameters.name), mutual TLS on loopback, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores")

        let clock = ContinuousClock()
        var start = clock.now
        let keyID = try await insecureKeySet(cluster, params: params)
        print(String(format: "InsecureKeyGen: %.1f s", KeyGenBench.seconds(clock.now - start)))
        let publicKey = try CompactPublicKey(serialized: try await publicObject(cluster, keyID: keyID, type: "PublicKey"))
        let keySwitching = try ServerKey.keySwitchingKey(fromSerialized: try await publicObject(cluster, keyID: keyID, type: "ServerKey"))
        var random = SecureRandom()
        let inputs = (0..<8).map { _ -> (value: RadixValue, bytes: [UInt8]) in
            let value = RadixValue.random(bits: 64, using: &random)
            return (value, publicKey.encrypt(value, as: .uint64, keySwitchingKey: keySwitching, using: &random).serialized(parameters: parameters))
        }
        let handles = inputs.map { SHA3_256.hash($0.bytes) }

        let plan = try ThresholdDecryptionPlan(parameters: parameters, partyCount: parties, threshold: threshold)
        let blocks = FheType.uint64.blockCount
        print("per euint64 (\(blocks) blocks, k = \(plan.switchBits)): \(blocks * plan.bitsPerBlock) shared bits, "
            + "\(blocks * plan.preprocessingTriplesPerBlock) triples (incl. those the bits consume), \(plan.publicDecryptionRounds) online rounds")

        if poolTarget > 0 {
            start = clock.now
            let levels = try await waitForPool(cluster, atLeast: poolTarget)
            print(String(format: "pool: %d blocks at every core after %.1f s (levels %@), %d blocks per batch", poolTarget,
                         KeyGenBench.seconds(clock.now - start), levels.map(String.init).joined(separator: ", "), poolBatch))
        }

        // Latency, one request at a time.
        let bytesBefore = try await KeyGenBench.bytesSent(cluster)
        var cpuBefore = coresCPUSeconds(cluster)
        var latencies: [Double] = []
        for index in 0..<samples {
            let input = inputs[index % inputs.count]
            start = clock.now
            try await decrypt(cluster, keyID: keyID, input: input, handle: handles[index % inputs.count])
            latencies.append(KeyGenBench.seconds(clock.now - start) * 1000)
        }
        let bytesAfter = try await KeyGenBench.bytesSent(cluster)
        let sequentialCPU = coresCPUSeconds(cluster) - cpuBefore
        latencies.sort()
        print(String(format: "latency (%d sequential euint64): p50 %.1f ms, p99 %.1f ms, min %.1f ms; CPU of all cores %.1f ms per euint64", samples,
                     percentile(latencies, 0.5), percentile(latencies, 0.99), latencies[0], sequentialCPU * 1000 / Double(samples)))
        let perRequest = zip(bytesAfter, bytesBefore).map { Double($0 - $1) / Double(samples) / 1024 }
        print("bytes sent per euint64 by each core: " + perRequest.map { String(format: "%.1f KiB", $0) }.joined(separator: ", "))

        // Latency with the material ready: every pool back at its target before each request.
        if poolTarget > 0 {
            var ready: [Double] = []
            for index in 0..<samples {
                _ = try await waitForPool(cluster, atLeast: poolTarget, every: .milliseconds(20))
                start = clock.now
                try await decrypt(cluster, keyID: keyID, input: inputs[index % inputs.count], handle: handles[index % inputs.count])
                ready.append(KeyGenBench.seconds(clock.now - start) * 1000)
            }
            ready.sort()
            print(String(format: "latency with the material ready (%d euint64, each once every pool is back at %d blocks): p50 %.1f ms, p99 %.1f ms, min %.1f ms",
                         samples, poolTarget, percentile(ready, 0.5), percentile(ready, 0.99), ready[0]))
        }

        // User decryption, one request at a time: UserDecryptSync on every core, every share opened with the user's
        // X-Wing key and the value reconstructed from them (as kms-core-client user-decrypt does).
        let userSamples = max(0, Int(option("--user-samples", "10")) ?? 10)
        if userSamples > 0 {
            var seed = SecureRandom()
            let userKey = try UserShareSigncryption.privateKey(seed: seed.bytes(count: 32))
            let address = try EthereumAddress(bytes: seed.bytes(count: 20))
            var userLatencies: [Double] = []
            for index in 0..<userSamples {
                start = clock.now
                try await userDecrypt(cluster, keyID: keyID, input: inputs[index % inputs.count], parameters: parameters,
                                      threshold: threshold, userKey: userKey, address: address)
                userLatencies.append(KeyGenBench.seconds(clock.now - start) * 1000)
            }
            userLatencies.sort()
            print(String(format: "user decryption (%d sequential euint64, shares opened and reconstructed): p50 %.1f ms, p99 %.1f ms",
                         userSamples, percentile(userLatencies, 0.5), percentile(userLatencies, 0.99)))
        }

        // Throughput with requests in flight.
        for level in levels {
            let total = requests > 0 ? requests : max(2 * level, 32)
            start = clock.now
            cpuBefore = coresCPUSeconds(cluster)
            try await withThrowingTaskGroup(of: Void.self) { group in
                let next = Counter()
                for _ in 0..<level {
                    group.addTask {
                        while let index = next.take(below: total) {
                            try await decrypt(cluster, keyID: keyID, input: inputs[index % inputs.count], handle: handles[index % inputs.count])
                        }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = KeyGenBench.seconds(clock.now - start)
            let cpu = coresCPUSeconds(cluster) - cpuBefore
            print(String(format: "throughput, %3d in flight: %d euint64 in %.2f s = %.1f decryptions/s; CPU of all cores %.1f ms per euint64",
                         level, total, elapsed, Double(total) / elapsed, cpu * 1000 / Double(total)))
        }
        for party in 0..<parties {
            print(String(format: "core %d: peak RSS %.0f MiB", party + 1, Double(KeyGenBench.peakResidentKiB(cluster.processes[party])) / 1024))
        }
    }

    /// CPU seconds all core processes have used so far (the background pool refill included).
    static func coresCPUSeconds(_ cluster: LocalCluster) -> Double {
        cluster.processes.reduce(0) { $0 + KeyGenBench.cpuSeconds($1) }
    }

    /// Waits until every core's pool holds `level` blocks (GetHealthStatus); the levels.
    static func waitForPool(_ cluster: LocalCluster, atLeast level: Int, every pause: Duration = .milliseconds(500)) async throws -> [Int] {
        let deadline = ContinuousClock.now + .seconds(1800)
        while true {
            var levels: [Int] = []
            for channel in cluster.channels {
                let status: Kms_V1_HealthStatus = try await cluster.call(channel, CoreServiceMethod.getHealthStatus.path, Kms_V1_Empty())
                levels.append(Int(status.decryptionPoolBlocks))
            }
            if levels.allSatisfy({ $0 >= level }) { return levels }
            guard ContinuousClock.now < deadline else { throw Failure(description: "the pool never reached \(level) blocks: \(levels)") }
            try await Task.sleep(for: pause)
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func take(below limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }

    static func newID() -> String { (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined() }

    static func insecureKeySet(_ cluster: LocalCluster, params: Kms_V1_FheParameterSet) async throws -> String {
        let keyID = newID()
        var request = Kms_V1_KeyGenRequest()
        request.requestID.requestID = keyID
        request.params = params
        let keyGen = request
        try await KeyGenBench.everyCore(cluster) { channel in
            let _: Kms_V1_Empty = try await cluster.call(channel, InsecureCoreServiceMethod.insecureKeyGen.path, keyGen)
        }
        try await KeyGenBench.waitAll(cluster, InsecureCoreServiceMethod.getInsecureKeyGenResult.path, keyID, as: Kms_V1_KeyGenResult.self)
        return keyID
    }

    static func publicObject(_ cluster: LocalCluster, keyID: String, type: String) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        var request = Kms_V1_PublicObjectRequest()
        request.keyID.requestID = keyID
        request.objectType = type
        while true {
            request.offset = UInt64(bytes.count)
            let chunk: Kms_V1_PublicObjectChunk = try await cluster.call(cluster.channels[0], CoreServiceMethod.getPublicObject.path, request)
            bytes += chunk.data
            if bytes.count >= chunk.totalSize || chunk.data.isEmpty { return bytes }
        }
    }

    /// UserDecryptSync on every core at once; the shares are opened with `userKey` (signatures checked against
    /// no signer: the bench trusts its own cores) and the reconstructed value must be the input.
    static func userDecrypt(
        _ cluster: LocalCluster, keyID: String, input: (value: RadixValue, bytes: [UInt8]), parameters: FHEParameters, threshold: Int,
        userKey: XWingMLKEM768X25519.PrivateKey, address: EthereumAddress
    ) async throws {
        let id = newID()
        let handle = SHA3_256.hash(input.bytes)
        var request = Kms_V1_UserDecryptionRequest()
        request.requestID.requestID = id
        request.keyID.requestID = keyID
        var ciphertext = Kms_V1_TypedCiphertext()
        ciphertext.ciphertext = Data(input.bytes)
        ciphertext.fheType = .uint64
        ciphertext.externalHandle = Data(handle)
        request.ciphertexts = [ciphertext]
        request.clientAddress = address.checksummed
        request.encryptionKey = userKey.publicKey.rawRepresentation
        let sent = request
        let answers = try await withThrowingTaskGroup(of: (Int, Kms_V1_UserDecryptionResponse).self) { group in
            for (index, channel) in cluster.channels.enumerated() {
                group.addTask {
                    (index + 1, try await cluster.call(channel, CoreServiceMethod.userDecryptSync.path, sent, timeout: .seconds(120)))
                }
            }
            return try await group.reduce(into: [Int: Kms_V1_UserDecryptionResponse]()) { $0[$1.0] = $1.1 }
        }
        let binding = UserDecryptionShare.Binding(
            requestID: try RequestIdentifier(validating: id).bytes, userAddress: address, handle: handle,
            encryptionKey: Array(userKey.publicKey.rawRepresentation))
        var shares: [Int: [FieldElement]] = [:]
        for (party, answer) in answers {
            guard let signcrypted = answer.payload.shares.first else { throw Failure(description: "core \(party) sent no share") }
            let share = try UserShareSigncryption.open(
                Array(signcrypted.ciphertext), partyID: party, binding: binding, privateKey: userKey, signer: nil)
            shares[party] = share.shares.map { FieldElement($0) }
        }
        let messages = try UserDecryptionReconstruction.reconstruct(
            shares: shares, threshold: threshold, partyCount: cluster.channels.count, plaintextModulus: parameters.plaintextModulus)
        guard try UserDecryptionReconstruction.value(messages: messages, parameters: parameters) == input.value else {
            throw Failure(description: "the user's reconstruction is not the value")
        }
    }

    /// PublicDecryptSync on every core at once, naming the ciphertext's handle (SHA3-256 of the bytes, computed once
    /// per input by the bench); every answer must hold the value.
    static func decrypt(_ cluster: LocalCluster, keyID: String, input: (value: RadixValue, bytes: [UInt8]), handle: [UInt8]) async throws {
        var request = Kms_V1_PublicDecryptionRequest()
        request.requestID.requestID = newID()
        request.keyID.requestID = keyID
        var ciphertext = Kms_V1_TypedCiphertext()
        ciphertext.ciphertext = Data(input.bytes)
        ciphertext.fheType = .uint64
        ciphertext.externalHandle = Data(handle)
        request.ciphertexts = [ciphertext]
        let sent = request
        try await KeyGenBench.everyCore(cluster) { channel in
            let answer: Kms_V1_PublicDecryptionResponse = try await cluster.call(
                channel, CoreServiceMethod.publicDecryptSync.path, sent, timeout: .seconds(120))
            guard let plaintext = answer.payload.plaintexts.first,
                  try RadixValue(littleEndianBytes: Array(plaintext.bytes)) == input.value
            else { throw Failure(description: "a core answered a wrong plaintext") }
        }
    }
}
