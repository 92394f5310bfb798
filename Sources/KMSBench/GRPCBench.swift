import CRawGRPCBench
import Foundation
import GRPCCore

/// `kms-bench grpc`: unary round trips over loopback mutual TLS, Swift shim (GRPCServer + GRPCChannel) and plain
/// grpc++ (CRawGRPCBench) side by side: sequential latency p50/p99, calls/s with many calls in flight, and the
/// process CPU time per call in that phase (less sensitive than calls/s to other processes on a shared machine).
/// Rounds alternate raw and shim so that load changes hit both; the summary row takes the median of the rounds.
/// Options: --sequential N (2000) --concurrent N (20000) --in-flight N (64) --payload BYTES (64) --rounds N (3)
///          --plaintext --only raw|shim (profiling one side)
///          --cross: the "raw" column is raw grpc++'s client against the shim's server and the "shim" column the
///          shim's client against raw grpc++'s server (tells which side a difference comes from)
enum GRPCBench {
    struct Figures {
        var p50: Double
        var p99: Double
        var callsPerSecond: Double
        /// Process CPU time (user + system, all threads) per call while `concurrent` calls ran.
        var cpuMicrosecondsPerCall: Double
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
        let rounds = max(1, option("--rounds", 3))
        let plaintext = arguments.contains("--plaintext")
        let cross = arguments.contains("--cross")
        let only = arguments.firstIndex(of: "--only").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        let warmup = 200
        let certificates = try BenchCertificates.make()
        let mode = (plaintext ? "plaintext" : "mutual TLS")
            + (cross ? " (cross: raw client → shim server | shim client → raw server)" : "")
        print("grpc bench: loopback \(mode), payload \(payload) B, \(sequential) sequential calls, "
              + "\(concurrent) calls at \(inFlight) in flight, \(rounds) rounds, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(loadAverage())")
        print("| round | raw p50 / p99 µs | shim p50 / p99 µs | p50 shim/raw | raw calls/s | shim calls/s "
              + "| calls/s raw/shim | CPU µs/call raw / shim |")
        print("|---|---|---|---|---|---|---|---|")
        let none = Figures(p50: 0, p99: 0, callsPerSecond: 0, cpuMicrosecondsPerCall: 0)
        var raws: [Figures] = [], shims: [Figures] = []
        for round in 1...rounds {
            let tls = plaintext ? nil : certificates
            var raw = none, shim = none
            if only != "shim" {
                let shimServer = cross ? try startShimServer(certificates: tls) : nil
                raw = try runRaw(certificates: tls, payload: payload, warmup: warmup, sequential: sequential,
                                 concurrent: concurrent, inFlight: inFlight, serverPort: shimServer?.port)
                await shimServer?.server.shutdown(gracePeriod: .seconds(1))
            }
            if only != "raw" {
                var rawPort: Int32 = 0
                let rawServer = cross ? craw_bench_server_start(tls?.serverChain, tls?.serverKey, tls?.caPEM,
                                                                &rawPort) : nil
                defer { if let rawServer { craw_bench_server_stop(rawServer) } }
                shim = try await runShim(certificates: tls, payload: payload, warmup: warmup,
                                         sequential: sequential, concurrent: concurrent, inFlight: inFlight,
                                         serverPort: rawServer == nil ? nil : Int(rawPort))
            }
            raws.append(raw)
            shims.append(shim)
            print(row("\(round)", raw: raw, shim: shim))
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        func medianFigures(_ all: [Figures]) -> Figures {
            Figures(p50: median(all.map(\.p50)), p99: median(all.map(\.p99)),
                    callsPerSecond: median(all.map(\.callsPerSecond)),
                    cpuMicrosecondsPerCall: median(all.map(\.cpuMicrosecondsPerCall)))
        }
        let date = ISO8601DateFormatter().string(from: Date())
        // Ratios: the median of the per-round ratios (each round's raw and shim ran back to back, so a load change
        // between rounds cancels out), not the ratio of the medians.
        let pairs = zip(raws, shims).filter { $0.0.p50 > 0 && $0.1.p50 > 0 }
        let ratios = pairs.isEmpty ? nil : (p50: median(pairs.map { $0.1.p50 / $0.0.p50 }),
                                             callsPerSecond: median(pairs.map { $0.0.callsPerSecond / $0.1.callsPerSecond }))
        print(row("**median** (\(date), load \(loadAverage()))", raw: medianFigures(raws), shim: medianFigures(shims),
                  ratios: ratios))
    }

    /// One markdown table row (ready to paste into docs/BENCHMARKS.md).
    /// `ratios` replaces the ratio columns (p50 shim/raw, calls/s raw/shim) when given.
    static func row(_ label: String, raw: Figures, shim: Figures,
                    ratios: (p50: Double, callsPerSecond: Double)? = nil) -> String {
        func format(_ value: Double) -> String { String(format: "%.0f", value) }
        func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? String(format: "%.2f", a / b) : "–" }
        let p50Ratio = ratios.map { String(format: "%.2f", $0.p50) } ?? ratio(shim.p50, raw.p50)
        let throughputRatio = ratios.map { String(format: "%.2f", $0.callsPerSecond) }
            ?? ratio(raw.callsPerSecond, shim.callsPerSecond)
        return "| \(label) | \(format(raw.p50)) / \(format(raw.p99)) | \(format(shim.p50)) / \(format(shim.p99)) "
            + "| \(p50Ratio) | \(format(raw.callsPerSecond)) | \(format(shim.callsPerSecond)) "
            + "| \(throughputRatio) "
            + "| \(format(raw.cpuMicrosecondsPerCall)) / \(format(shim.cpuMicrosecondsPerCall)) |"
    }

    /// The 1-minute load average (the machine is shared; say how busy it was).
    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init)
            ?? "?"
    }

    /// CPU time (user + system) of this process so far, in microseconds.
    static func processCPUMicroseconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func micro(_ time: timeval) -> Double { Double(time.tv_sec) * 1e6 + Double(time.tv_usec) }
        return micro(usage.ru_utime) + micro(usage.ru_stime)
    }

    /// Raw grpc++ client against raw grpc++'s server, or against the server on `serverPort` (--cross).
    static func runRaw(certificates: BenchCertificates?, payload: Int, warmup: Int, sequential: Int,
                       concurrent: Int, inFlight: Int, serverPort: Int? = nil) throws -> Figures {
        var port: Int32 = Int32(serverPort ?? 0)
        let server = serverPort != nil ? nil : craw_bench_server_start(certificates?.serverChain,
                                                                       certificates?.serverKey,
                                                                       certificates?.caPEM, &port)
        guard server != nil || serverPort != nil else {
            throw GRPCStatus(.unavailable, "raw grpc++ server did not start")
        }
        defer { if let server { craw_bench_server_stop(server) } }
        // Two client runs: latency (warm-up + sequential), then throughput alone so that its CPU time is measured.
        func client(warmup: Int, sequential: Int, concurrent: Int) throws -> craw_bench_result {
            var result = craw_bench_result()
            let status = craw_bench_client_run("localhost:\(port)", certificates?.caPEM, certificates?.clientChain,
                                               certificates?.clientKey, "/bench.Echo/Echo", payload, Int32(warmup),
                                               Int32(sequential), Int32(concurrent), Int32(inFlight), &result)
            guard status == 0 else { throw GRPCStatus(.internalError, "raw grpc++ client call failed") }
            return result
        }
        let latency = try client(warmup: warmup, sequential: sequential, concurrent: 0)
        let cpuBefore = processCPUMicroseconds()
        let throughput = try client(warmup: 0, sequential: 0, concurrent: concurrent)
        let cpu = processCPUMicroseconds() - cpuBefore
        return Figures(p50: latency.p50_microseconds, p99: latency.p99_microseconds,
                       callsPerSecond: throughput.calls_per_second,
                       cpuMicrosecondsPerCall: cpu / Double(max(1, concurrent)))
    }

    /// The shim's echo server (mutual TLS unless `certificates` is nil).
    static func startShimServer(certificates: BenchCertificates?) throws -> (server: GRPCServer, port: Int) {
        let serverTLS = certificates.map {
            ServerTLSConfiguration(identity: TLSIdentity(certificateChainPEM: $0.serverChain, privateKeyPEM: $0.serverKey),
                                   trustedRootsPEM: $0.caPEM, requireClientCertificate: true)
        }
        let server = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: 0, tls: serverTLS))
        server.register(method: "/bench.Echo/Echo") { request, _ in request }
        return (server, try server.start())
    }

    /// The shim's client against the shim's server, or against the server on `serverPort` (--cross).
    static func runShim(certificates: BenchCertificates?, payload: Int, warmup: Int, sequential: Int,
                        concurrent: Int, inFlight: Int, serverPort: Int? = nil) async throws -> Figures {
        let own = serverPort == nil ? try startShimServer(certificates: certificates) : nil
        let port = serverPort ?? own!.port
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
        let cpuBefore = processCPUMicroseconds()
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
        let cpu = processCPUMicroseconds() - cpuBefore
        channel.close()
        await own?.server.shutdown(gracePeriod: .seconds(1))
        return Figures(p50: latencies.isEmpty ? 0 : latencies[latencies.count / 2],
                       p99: latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                       callsPerSecond: Double(concurrent) / seconds,
                       cpuMicrosecondsPerCall: cpu / Double(max(1, concurrent)))
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
