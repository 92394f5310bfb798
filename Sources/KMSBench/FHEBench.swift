import Algebra
import FHEKeys
import Foundation

/// `kms-bench fhe [--test-parameters] [--repeat N] [--rounds R] [--concrete-p-error P] [--no-concrete] [--batch B]`:
/// external product, PBS and KS-PBS with the classic and the multi-bit bootstrapping key, key switching, key
/// generation, key sizes, the batch throughput (B KS-PBS with one worker and with every core; 0 skips it), and the
/// same-run concrete-python comparison (scripts/bench/concrete_lookup.py). The comparison runs R rounds, each timing
/// our KS-PBS (multi-bit, then classic) and then concrete-python's lookup back to back, and reports the median of the
/// per-round ratios (load changes between rounds hit both sides). --concrete-p-error adds rounds with concrete's
/// optimizer asked for failure probability P. The comparison needs concrete-python 2.11.0 and setuptools < 80 for
/// python3: `bash scripts/install-bench-deps.sh`.
enum FHEBench {
    static func run(arguments: [String]) async throws {
        if arguments.contains("--help") {
            print("usage: kms-bench fhe [--test-parameters] [--repeat N] [--rounds R] [--concrete-p-error P] [--no-concrete] [--batch B]")
            print("the concrete-python comparison needs `bash scripts/install-bench-deps.sh` (concrete-python 2.11.0, setuptools<80)")
            return
        }
        let parameters = arguments.contains("--test-parameters") ? FHEParameters.insecureTest : .production
        func option(_ name: String) -> String? {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
            return arguments[index + 1]
        }
        let repeats = max(1, option("--repeat").flatMap(Int.init) ?? 10)
        let rounds = max(1, option("--rounds").flatMap(Int.init) ?? 1)
        let matchedPError = option("--concrete-p-error").flatMap(Double.init)
        let clock = ContinuousClock()
        var generator = SecureRandom()
        print("## FHE (\(parameters.name): n=\(parameters.lweDimension), k=\(parameters.glweDimension), N=\(parameters.polynomialSize), one thread unless said)\n")
        let keygenStart = clock.now
        let client = ClientKey.generate(parameters: parameters)
        let server = client.serverKey(seed: generator.bytes(count: 32), using: &generator)
        let keygen = clock.now - keygenStart
        let multiBitStart = clock.now
        let multiBitServer = ServerKey(
            multiBitBootstrappingKey: .generate(small: client.small, big: client.big, parameters: parameters,
                                                seed: generator.bytes(count: 32), using: &generator),
            keySwitchingKey: server.keySwitchingKey, modulusSwitchNoiseReduction: server.modulusSwitchNoiseReduction)
        let multiBitKeygen = clock.now - multiBitStart

        // Standalone external product: one GGSW ⊡ GLWE on a random GLWE (decomposition, NTTs, products).
        let glweSize = (parameters.glweDimension + 1) * parameters.polynomialSize
        let glwe = (0..<glweSize).map { _ in FieldElement.random(using: &generator) }
        var externalTimes: [Duration] = []
        var externalCPU: [Double] = []
        var checksum: UInt64 = 0
        for run in 0..<(repeats * 20) {
            let c0 = threadCPUSeconds()
            let t0 = clock.now
            let product = server.bootstrappingKey!.externalProduct(keyIndex: run % parameters.lweDimension, glwe)
            externalTimes.append(clock.now - t0)
            externalCPU.append(threadCPUSeconds() - c0)
            checksum ^= product[run % glweSize].value
        }

        let table = (0..<parameters.plaintextModulus).map { ($0 * 3 + 1) % parameters.plaintextModulus }
        let input = client.encrypt(5, using: &generator)
        let measured = measureKSPBS(server: server, client: client, input: input, table: table, expected: table[5],
                                    repeats: repeats)
        let (pbsTimes, ksTimes, pbsCPU, ksCPU, wrong) = (measured.pbs, measured.ks, measured.pbsCPU, measured.ksCPU,
                                                         measured.wrong)
        let multiBit = measureKSPBS(server: multiBitServer, client: client, input: input, table: table,
                                    expected: table[5], repeats: repeats)
        let pbs = median(pbsTimes)
        let ks = median(ksTimes)
        let n = parameters.lweDimension, k = parameters.glweDimension, N = parameters.polynomialSize
        let rows = (k + 1) * parameters.pbsLevels
        let bskFull = n * rows * (k + 1) * N * 8
        let bskSeeded = n * rows * N * 8 + 32
        let kskRows = k * N * parameters.ksLevels
        let kskFull = kskRows * (n + 1) * 8
        let kskSeeded = kskRows * 8 + 32
        let multiBitSeeded = MultiBitBootstrappingKey.bodyCount(parameters: parameters) * 8 + 32
        let multiBitFull = (multiBitSeeded - 32) * (k + 1)
        let pbsCPUMedian = median(pbsCPU), ksCPUMedian = median(ksCPU)
        print("| measurement | median of \(repeats) (wall) | thread CPU time |")
        print("|---|---|---|")
        print("| external product GGSW ⊡ GLWE (\(repeats * 20) runs) | \(milliseconds(median(externalTimes))) | \(milliseconds(median(externalCPU))) |")
        print("| PBS (blind rotation + sample extraction) | \(milliseconds(pbs)) | \(milliseconds(pbsCPUMedian)) |")
        print("| CMux incl. rotation (PBS / n) | \(milliseconds(pbs / n)) | \(milliseconds(pbsCPUMedian / Double(n))) |")
        print("| key switching | \(milliseconds(ks)) | \(milliseconds(ksCPUMedian)) |")
        print("| KS-PBS | \(milliseconds(pbs + ks)) | \(milliseconds(pbsCPUMedian + ksCPUMedian)) |")
        let mbPBS = median(multiBit.pbs), mbKS = median(multiBit.ks)
        let mbPBSCPU = median(multiBit.pbsCPU), mbKSCPU = median(multiBit.ksCPU)
        print("| multi-bit PBS (grouping factor 2) | \(milliseconds(mbPBS)) | \(milliseconds(mbPBSCPU)) |")
        print("| multi-bit group step (PBS / (n/2)) | \(milliseconds(mbPBS / (n / 2))) | \(milliseconds(mbPBSCPU / Double(n / 2))) |")
        print("| **multi-bit KS-PBS** | **\(milliseconds(mbPBS + mbKS))** | **\(milliseconds(mbPBSCPU + mbKSCPU))** |")
        print("| key generation (client + server key) | \(milliseconds(keygen)) | — |")
        print("| multi-bit bootstrapping key generation | \(milliseconds(multiBitKeygen)) | — |")
        print("| bootstrapping key full / seeded | \(bskFull / 1_048_576) MiB / \(bskSeeded / 1_048_576) MiB | — |")
        if let reduction = server.modulusSwitchNoiseReduction {
            var times: [Double] = []
            let variance = NoiseModel.modulusSwitchInputVarianceBudget(parameters, multiBit: true)
            var inputs: [LWECiphertext] = []
            for _ in 0..<(repeats * 20) { inputs.append(client.encrypt(generator.next() % parameters.plaintextModulus, using: &generator)) }
            for c in inputs {
                let c0 = threadCPUSeconds()
                checksum ^= reduction.improve(c, inputVariance: variance).body.value
                times.append(threadCPUSeconds() - c0)
            }
            let zeros = parameters.modulusSwitchZeros
            print("| modulus switch noise reduction (part of the KS-PBS above; \(repeats * 20) fresh inputs) | — | \(milliseconds(median(times))) (max \(milliseconds(times.max()!))) |")
            print("| noise reduction key (\(zeros) encryptions of zero) full / seeded | \(zeros * (n + 1) * 8 / 1024) KiB / \((zeros * 8 + 32) / 1024) KiB | — |")
        }
        print("| multi-bit bootstrapping key full / seeded | \(multiBitFull / 1_048_576) MiB / \(multiBitSeeded / 1_048_576) MiB | — |")
        print("| key-switching key full / seeded | \(kskFull / 1_048_576) MiB / \(kskSeeded / 1024) KiB | — |")
        print("| wrong PBS results (classic / multi-bit) | \(wrong) / \(multiBit.wrong) of \(repeats) | — |")
        print("(checksum \(checksum & 0xff))")

        let batch = max(0, option("--batch").flatMap(Int.init) ?? 64)
        if batch > 0 {
            await FHEBatchBench.run(servers: [("multi-bit", multiBitServer), ("classic", server)], client: client,
                                    table: table, count: batch, generator: &generator)
        }

        if arguments.contains("--no-concrete") { return }
        var comparisons: [(label: String, pError: Double?)] = [("default parameters", nil)]
        if let matchedPError { comparisons.append(("p_error \(matchedPError)", matchedPError)) }
        for comparison in comparisons {
            print("\n### concrete-python, same run: one 4-bit table lookup (\(comparison.label), one thread), "
                  + "\(rounds) round(s) alternating with our KS-PBS\n")
            print("| round | our multi-bit KS-PBS wall / CPU | our classic KS-PBS wall / CPU | concrete-python wall / CPU | ratio multi-bit / concrete wall / CPU | concrete parameters |")
            print("|---|---|---|---|---|---|")
            var wallRatios: [Double] = [], cpuRatios: [Double] = []
            for round in 1...rounds {
                let ours = measureKSPBS(server: multiBitServer, client: client, input: input, table: table,
                                        expected: table[5], repeats: repeats)
                let oursWall = seconds(median(ours.pbs) + median(ours.ks)) * 1e3
                let oursCPU = (median(ours.pbsCPU) + median(ours.ksCPU)) * 1e3
                let classic = measureKSPBS(server: server, client: client, input: input, table: table,
                                           expected: table[5], repeats: repeats)
                let classicWall = seconds(median(classic.pbs) + median(classic.ks)) * 1e3
                let classicCPU = (median(classic.pbsCPU) + median(classic.ksCPU)) * 1e3
                switch ConcreteComparison.run(repeats: repeats, pError: comparison.pError) {
                case .failure(let reason):
                    print("concrete-python comparison not run: \(reason)")
                    return
                case .success(let result):
                    let cpu = result.medianThreadCPUMilliseconds ?? .nan
                    wallRatios.append(oursWall / result.medianMilliseconds)
                    cpuRatios.append(oursCPU / cpu)
                    print(String(format: "| %d | %.2f / %.2f ms | %.2f / %.2f ms | %.2f / %.2f ms | %.2f / %.2f | ", round,
                                 oursWall, oursCPU, classicWall, classicCPU,
                                 result.medianMilliseconds, cpu, oursWall / result.medianMilliseconds, oursCPU / cpu)
                          + "\(result.parameters); concrete \(result.version), wrong \(result.wrong) of \(result.repeats + 1); "
                          + "ours wrong \(ours.wrong) + \(classic.wrong) of \(repeats) + \(repeats) |")
                }
            }
            print(String(format: "| **median of the round ratios** | | | | **%.2f / %.2f** | |", median(wallRatios), median(cpuRatios)))
        }
    }

    struct KSPBSTimes {
        var pbs: [Duration] = [], ks: [Duration] = []
        var pbsCPU: [Double] = [], ksCPU: [Double] = []
        var wrong = 0
    }

    /// `repeats` bootstraps of `input` through `table`, each followed by the key switch, timed apart.
    static func measureKSPBS(server: ServerKey, client: ClientKey, input: LWECiphertext, table: [UInt64],
                             expected: UInt64, repeats: Int) -> KSPBSTimes {
        let clock = ContinuousClock()
        var times = KSPBSTimes()
        for _ in 0..<repeats {
            let c0 = threadCPUSeconds()
            let t0 = clock.now
            let raw = server.bootstrap(input, table: table)
            let t1 = clock.now
            let c1 = threadCPUSeconds()
            let switched = server.keySwitchingKey.keySwitch(raw)
            let t2 = clock.now
            let c2 = threadCPUSeconds()
            times.pbs.append(t1 - t0)
            times.ks.append(t2 - t1)
            times.pbsCPU.append(c1 - c0)
            times.ksCPU.append(c2 - c1)
            if client.decrypt(switched) != expected { times.wrong += 1 }
        }
        return times
    }

    static func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func milliseconds(_ d: Duration) -> String { String(format: "%.3f ms", seconds(d) * 1e3) }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.3f ms", seconds * 1e3) }

    /// CPU time of the calling thread: on a shared machine it excludes time the thread waited for a core.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

extension FHEBench {
/// Runs scripts/bench/concrete_lookup.py with python3 (one thread) and parses its `CONCRETE_RESULT {json}` line.
enum ConcreteComparison {
    struct Result {
        var version: String
        var medianMilliseconds: Double
        var medianThreadCPUMilliseconds: Double?
        var repeats: Int
        var wrong: Int
        var parameters: String
    }

    static func scriptURL() -> URL? {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["KMS_CONCRETE_SCRIPT"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("scripts/bench/concrete_lookup.py"))
        // The repository root, found from this source file (symlinks resolved: dev packages link into it).
        let source = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let root = source.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("scripts/bench/concrete_lookup.py"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    static func run(repeats: Int, pError: Double? = nil) -> Swift.Result<Result, ComparisonError> {
        guard let script = scriptURL() else {
            return .failure(ComparisonError("scripts/bench/concrete_lookup.py not found (set KMS_CONCRETE_SCRIPT)"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--repeat", String(repeats)]
            + (pError.map { ["--p-error", String($0)] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        environment["OMP_NUM_THREADS"] = "1"
        environment["RAYON_NUM_THREADS"] = "1"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .failure(ComparisonError("python3 could not be started (\(error)); install python3, then `bash scripts/install-bench-deps.sh`"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        for line in text.split(separator: "\n") {
            if line.hasPrefix("CONCRETE_ERROR ") { return .failure(ComparisonError(String(line.dropFirst(15)))) }
            guard line.hasPrefix("CONCRETE_RESULT ") else { continue }
            let json = Data(line.dropFirst(16).utf8)
            guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
                  let medianValue = object["median_ms"] as? Double else {
                return .failure(ComparisonError("unreadable output: \(line)"))
            }
            let parameterText = (object["parameters"] as? [String: Any]).map { dictionary in
                dictionary.keys.sorted().map { "\($0)=\(dictionary[$0]!)" }.joined(separator: ", ")
            } ?? "unknown"
            return .success(Result(
                version: object["version"] as? String ?? "unknown", medianMilliseconds: medianValue,
                medianThreadCPUMilliseconds: object["median_thread_cpu_ms"] as? Double,
                repeats: object["repeats"] as? Int ?? repeats, wrong: object["wrong"] as? Int ?? -1,
                parameters: parameterText.isEmpty ? "not reported" : parameterText))
        }
        let tail = String(decoding: errorData.suffix(400), as: UTF8.self)
        return .failure(ComparisonError("python3 exited with status \(process.terminationStatus) and no result (python3 or concrete-python missing? `bash scripts/install-bench-deps.sh`): \(tail)"))
    }

    struct ComparisonError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
}
