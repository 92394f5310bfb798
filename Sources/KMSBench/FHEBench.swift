import Algebra
import FHEKeys
import Foundation

/// `kms-bench fhe [--test-parameters] [--repeat N]`: PBS, KS-PBS, key switching, key generation and key sizes.
enum FHEBench {
    static func run(arguments: [String]) async throws {
        if arguments.contains("--help") {
            print("usage: kms-bench fhe [--test-parameters] [--repeat N]")
            return
        }
        let parameters = arguments.contains("--test-parameters") ? FHEParameters.insecureTest : .production
        var repeats = 10
        if let index = arguments.firstIndex(of: "--repeat"), index + 1 < arguments.count, let n = Int(arguments[index + 1]) {
            repeats = max(1, n)
        }
        let clock = ContinuousClock()
        var generator = SecureRandom()
        print("## FHE (\(parameters.name): n=\(parameters.lweDimension), k=\(parameters.glweDimension), N=\(parameters.polynomialSize), one thread)\n")
        let keygenStart = clock.now
        let client = ClientKey.generate(parameters: parameters, using: &generator)
        let server = client.serverKey(seed: generator.bytes(count: 32), using: &generator)
        let keygen = clock.now - keygenStart

        let table = (0..<parameters.plaintextModulus).map { ($0 * 3 + 1) % parameters.plaintextModulus }
        let input = client.encrypt(5, using: &generator)
        var pbsTimes: [Duration] = []
        var ksTimes: [Duration] = []
        var wrong = 0
        for _ in 0..<repeats {
            let t0 = clock.now
            let raw = server.bootstrappingKey.bootstrap(input, table: table)
            let t1 = clock.now
            let switched = server.keySwitchingKey.keySwitch(raw)
            let t2 = clock.now
            pbsTimes.append(t1 - t0)
            ksTimes.append(t2 - t1)
            if client.decrypt(switched) != table[5] { wrong += 1 }
        }
        func ms(_ d: Duration) -> String {
            String(format: "%.2f ms", Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15)
        }
        let pbs = pbsTimes.sorted()[repeats / 2]
        let ks = ksTimes.sorted()[repeats / 2]
        let n = parameters.lweDimension, k = parameters.glweDimension, N = parameters.polynomialSize
        let rows = (k + 1) * parameters.pbsLevels
        let bskFull = n * rows * (k + 1) * N * 8
        let bskSeeded = n * rows * N * 8 + 32
        let kskRows = k * N * parameters.ksLevels
        let kskFull = kskRows * (n + 1) * 8
        let kskSeeded = kskRows * 8 + 32
        print("| measurement | median of \(repeats) |")
        print("|---|---|")
        print("| PBS (blind rotation + sample extraction) | \(ms(pbs)) |")
        print("| external product + CMux (PBS / n) | \(ms(pbs / n)) |")
        print("| key switching | \(ms(ks)) |")
        print("| KS-PBS | \(ms(pbs + ks)) |")
        print("| key generation (client + server key) | \(ms(keygen)) |")
        print("| bootstrapping key full / seeded | \(bskFull / 1_048_576) MiB / \(bskSeeded / 1_048_576) MiB |")
        print("| key-switching key full / seeded | \(kskFull / 1_048_576) MiB / \(kskSeeded / 1024) KiB |")
        print("| wrong PBS results | \(wrong) of \(repeats) |")
    }
}
