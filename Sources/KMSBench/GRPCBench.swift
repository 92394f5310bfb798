import CRawGRPCBench
import Foundation
import GRPCCore

/// `kms-bench grpc`: unary round trips over loopback mutual TLS, Swift shim (GRPCServer + GRPCChannel) and plain
/// grpc++ (CRawGRPCBench) side by side: sequential latency p50/p99 and calls/s with many calls in flight.
/// Options: --sequential N (2000) --concurrent N (20000) --in-flight N (64) --payload BYTES (64) --plaintext
enum GRPCBench {
    struct Figures {
        var p50: Double
        var p99: Double
        var callsPerSecond: Double
    }

    static func run(arguments: [String]) async throws {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count,
                  let value = Int(arguments[index + 1]) else { return fallback }
            return value
        }
        let sequential = option("--sequential", 2000)
        let concurrent = option("--concurrent", 20000)
        let inFlight = option("--in-flight", 64)
        let payload = option("--payload", 64)
        let plaintext = arguments.contains("--plaintext")
        let warmup = 200
        let certificates = try BenchCertificates.make()
        let mode = plaintext ? "plaintext" : "mutual TLS"
        print("grpc bench: loopback \(mode), payload \(payload) B, \(sequential) sequential calls, "
              + "\(concurrent) calls at \(inFlight) in flight, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        let raw = try runRaw(certificates: plaintext ? nil : certificates, payload: payload, warmup: warmup,
                             sequential: sequential, concurrent: concurrent, inFlight: inFlight)
        let shim = try await runShim(certificates: plaintext ? nil : certificates, payload: payload,
                                     warmup: warmup, sequential: sequential, concurrent: concurrent,
                                     inFlight: inFlight)
        func format(_ value: Double) -> String { String(format: "%.0f", value) }
        print("| implementation | p50 µs | p99 µs | calls/s (\(inFlight) in flight) |")
        print("|---|---|---|---|")
        print("| raw grpc++ (C++) | \(format(raw.p50)) | \(format(raw.p99)) | \(format(raw.callsPerSecond)) |")
        print("| Swift shim (GRPCCore) | \(format(shim.p50)) | \(format(shim.p99)) | \(format(shim.callsPerSecond)) |")
        print(String(format: "| ratio shim/raw | %.2f | %.2f | %.2f (raw/shim) |", shim.p50 / raw.p50,
                     shim.p99 / raw.p99, raw.callsPerSecond / shim.callsPerSecond))
    }

    static func runRaw(certificates: BenchCertificates?, payload: Int, warmup: Int, sequential: Int,
                       concurrent: Int, inFlight: Int) throws -> Figures {
        var port: Int32 = 0
        let server = craw_bench_server_start(certificates?.serverChain, certificates?.serverKey,
                                             certificates?.caPEM, &port)
        guard let server else { throw GRPCStatus(.unavailable, "raw grpc++ server did not start") }
        defer { craw_bench_server_stop(server) }
        var result = craw_bench_result()
        let status = craw_bench_client_run("localhost:\(port)", certificates?.caPEM, certificates?.clientChain,
                                           certificates?.clientKey, "/bench.Echo/Echo", payload, Int32(warmup),
                                           Int32(sequential), Int32(concurrent), Int32(inFlight), &result)
        guard status == 0 else { throw GRPCStatus(.internalError, "raw grpc++ client call failed") }
        return Figures(p50: result.p50_microseconds, p99: result.p99_microseconds,
                       callsPerSecond: result.calls_per_second)
    }

    static func runShim(certificates: BenchCertificates?, payload: Int, warmup: Int, sequential: Int,
                        concurrent: Int, inFlight: Int) async throws -> Figures {
        let serverTLS = certificates.map {
            ServerTLSConfiguration(identity: TLSIdentity(certificateChainPEM: $0.serverChain, privateKeyPEM: $0.serverKey),
                                   trustedRootsPEM: $0.caPEM, requireClientCertificate: true)
        }
        let server = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: 0, tls: serverTLS))
        server.register(method: "/bench.Echo/Echo") { request, _ in request }
        let port = try server.start()
        let clientTLS = certificates.map {
            ClientTLSConfiguration(trustedRootsPEM: $0.caPEM,
                                   identity: TLSIdentity(certificateChainPEM: $0.clientChain, privateKeyPEM: $0.clientKey))
        }
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: "localhost:\(port)", tls: clientTLS))
        let request = [UInt8](repeating: 0x78, count: payload)
        let clock = ContinuousClock()
        for _ in 0..<warmup { _ = try await channel.unary(method: "/bench.Echo/Echo", request: request, timeout: .seconds(30)) }
        var latencies: [Double] = []
        latencies.reserveCapacity(sequential)
        for _ in 0..<sequential {
            let start = clock.now
            _ = try await channel.unary(method: "/bench.Echo/Echo", request: request, timeout: .seconds(30))
            let elapsed = start.duration(to: clock.now)
            latencies.append(Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
        }
        latencies.sort()
        let begin = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    var index = worker
                    while index < concurrent {
                        _ = try await channel.unary(method: "/bench.Echo/Echo", request: request, timeout: .seconds(30))
                        index += inFlight
                    }
                }
            }
            try await group.waitForAll()
        }
        let total = begin.duration(to: clock.now)
        let seconds = Double(total.components.seconds) + Double(total.components.attoseconds) / 1e18
        channel.close()
        await server.shutdown(gracePeriod: .seconds(1))
        return Figures(p50: latencies.isEmpty ? 0 : latencies[latencies.count / 2],
                       p99: latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                       callsPerSecond: Double(concurrent) / seconds)
    }
}

/// A CA, a server certificate (localhost) and a client certificate made with the openssl CLI in a temp dir.
struct BenchCertificates {
    var caPEM: String
    var serverChain: String
    var serverKey: String
    var clientChain: String
    var clientKey: String

    static func make() throws -> BenchCertificates {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kms-bench-grpc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw GRPCStatus(.internalError, "openssl \(arguments.first ?? "") failed (is openssl installed?)")
            }
        }
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try openssl(["req", "-x509"] + curve + ["-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem", "-days", "1",
                                                 "-subj", "/CN=bench-ca"])
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"
            .write(toFile: "\(dir)/leaf.ext", atomically: true, encoding: .utf8)
        for name in ["server", "client"] {
            try openssl(["req", "-new"] + curve + ["-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr",
                                                   "-subj", "/CN=bench-\(name)"])
            try openssl(["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key",
                         "-CAcreateserial", "-out", "\(dir)/\(name).pem", "-days", "1", "-extfile", "\(dir)/leaf.ext"])
        }
        func read(_ file: String) throws -> String { try String(contentsOfFile: "\(dir)/\(file)", encoding: .utf8) }
        return BenchCertificates(caPEM: try read("ca.pem"), serverChain: try read("server.pem"),
                                 serverKey: try read("server.key"), clientChain: try read("client.pem"),
                                 clientKey: try read("client.key"))
    }
}
