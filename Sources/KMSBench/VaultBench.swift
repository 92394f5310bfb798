import Foundation
import Vault
import SecureMemory

/// `kms-bench vault [file|s3|unlock|all] [--size-mb N] [--repeat N]`: put/get throughput of one large object
/// (public = plain bytes; private = AES-256-GCM + wrapped data key) on the file store and on S3
/// (`KMS_TEST_MOTO_ENDPOINT` or `KMS_BENCH_S3_ENDPOINT`), and the time of one password root-key unlock with
/// the production Argon2id parameters. Prints a markdown table.
enum VaultBench {
    static func run(arguments: [String]) async throws {
        let what = arguments.first { !$0.hasPrefix("--") && Int($0) == nil } ?? "all"
        let sizeMB = option("--size-mb", in: arguments) ?? 64
        let repeats = option("--repeat", in: arguments) ?? 3
        let directory = NSTemporaryDirectory() + "kms-vault-bench-\(UUID().uuidString.lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rootKey = try FileRootKey.generate(at: directory + "/root.key")
        var payload = [UInt8](repeating: 0, count: sizeMB << 20)
        var generator = SystemRandomNumberGenerator()
        for index in stride(from: 0, to: payload.count, by: 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { payload.replaceSubrange(index..<index + 8, with: $0) }
        }
        print("| backend | class | object | put MB/s (median of \(repeats)) | get MB/s (median of \(repeats)) |")
        print("|---|---|---|---|---|")
        if what == "file" || what == "all" {
            let storage = try FileStorage(root: directory + "/store")
            try await measure("file", VaultStore(backend: storage, rootKey: rootKey), payload, repeats)
            storage.close()
        }
        if what == "s3" || what == "all" {
            let environment = ProcessInfo.processInfo.environment
            guard let endpoint = environment["KMS_BENCH_S3_ENDPOINT"] ?? environment["KMS_TEST_MOTO_ENDPOINT"] else {
                throw VaultError.invalidConfiguration("set KMS_TEST_MOTO_ENDPOINT (moto) or KMS_BENCH_S3_ENDPOINT for the S3 benchmark")
            }
            let storage = try S3Storage(configuration: S3Configuration(
                bucket: "vault-bench-\(UUID().uuidString.lowercased().prefix(8))", region: "us-east-1", endpoint: endpoint,
                addressingStyle: .path, credentials: try S3Credentials.fromEnvironment()))
            try await storage.createBucket()
            try await measure("s3 (\(endpoint))", VaultStore(backend: storage, rootKey: rootKey), payload, repeats)
        }
        if what == "unlock" || what == "all" {
            let password = SecretBytes(Array("benchmark password".utf8))
            let (_, record) = try PasswordRootKey.create(password: password, parameters: .production)
            var times: [Double] = []
            for _ in 0..<repeats {
                let start = ContinuousClock.now
                _ = try PasswordRootKey.unlock(record: record, password: password)
                times.append(seconds(ContinuousClock.now - start))
            }
            print("")
            print("| root-key unlock | parameters | median of \(repeats) | min |")
            print("|---|---|---|---|")
            print("| password (Argon2id, libargon2) | \(Argon2Parameters.production) | \(format(median(times) * 1000)) ms | \(format(times.min()! * 1000)) ms |")
        }
    }

    private static func measure(_ backend: String, _ store: VaultStore, _ payload: [UInt8], _ repeats: Int) async throws {
        let megabytes = Double(payload.count) / 1_048_576
        for objectClass in [ObjectClass.public, .private] {
            var puts: [Double] = [], gets: [Double] = []
            let id = try ObjectID(kind: "bench", name: "object-\(objectClass.rawValue)")
            for _ in 0..<repeats {
                let secret = objectClass == .private ? SecretBytes(payload) : nil
                var start = ContinuousClock.now
                if let secret { try await store.putPrivate(secret, id: id) } else { try await store.putPublic(payload, id: id) }
                puts.append(megabytes / seconds(ContinuousClock.now - start))
                start = ContinuousClock.now
                let count = objectClass == .private ? try await store.getPrivate(id).count : try await store.getPublic(id).count
                gets.append(megabytes / seconds(ContinuousClock.now - start))
                guard count == payload.count else { throw VaultError.truncatedObject(id.description) }
            }
            try await store.delete(id, objectClass: objectClass)
            print("| \(backend) | \(objectClass.rawValue) | \(Int(megabytes)) MiB | \(format(median(puts))) | \(format(median(gets))) |")
        }
    }

    private static func option(_ name: String, in arguments: [String]) -> Int? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return Int(arguments[index + 1])
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    private static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }
}
