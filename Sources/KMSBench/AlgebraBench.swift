import Algebra
import Foundation

/// `kms-bench algebra`: field multiply latency, negacyclic NTT time (mean and best of 7 runs) and the output
/// rate of the PRF streams (SHAKE256 `SeededGenerator`, TurboSHAKE128 `FastSeededGenerator`).
enum AlgebraBench {
    static func run(arguments: [String]) async throws {
        var rng = SeededGenerator(seed: [7], domain: "bench.algebra")
        // Field multiply: a dependent chain, so the figure is latency per multiply.
        let multiplies = 50_000_000
        var x = FieldElement.random(using: &rng)
        let y = FieldElement.random(using: &rng)
        var start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<multiplies { x = x * y }
        var elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        print(String(format: "field multiply (dependent chain, latency): %.2f ns  [check %llu]", elapsed / Double(multiplies), x.value))

        for size in [1024, 2048, 4096, 65536] {
            let ntt = NegacyclicNTT(size: size)
            var values = (0..<size).map { _ in FieldElement.random(using: &rng) }
            let repetitions = max(20, 4_000_000 / size)
            for _ in 0..<10 { ntt.forward(&values); ntt.inverse(&values) }
            start = DispatchTime.now().uptimeNanoseconds
            values.withUnsafeMutableBufferPointer { buffer in
                for _ in 0..<repetitions { ntt.forward(buffer) }
            }
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
            let forwardMicros = elapsed / Double(repetitions) / 1000
            start = DispatchTime.now().uptimeNanoseconds
            values.withUnsafeMutableBufferPointer { buffer in
                for _ in 0..<repetitions { ntt.inverse(buffer) }
            }
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
            var bestForward = Double.infinity
            for _ in 0..<7 {
                start = DispatchTime.now().uptimeNanoseconds
                values.withUnsafeMutableBufferPointer { buffer in
                    for _ in 0..<max(1, repetitions / 10) { ntt.forward(buffer) }
                }
                bestForward = min(bestForward, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(max(1, repetitions / 10)) / 1000)
            }
            print(String(format: "NTT %5d: forward %.2f µs (best of 7: %.2f), inverse %.2f µs",
                         size, forwardMicros, bestForward, elapsed / Double(repetitions) / 1000))
        }
        let words = 4_000_000
        var buffer = [UInt64](repeating: 0, count: words)
        var shake = SeededGenerator(seed: [1], domain: "bench.prf")
        start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<words { buffer[i] = shake.next() }
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        print(String(format: "SHAKE256 stream: %.0f MB/s  [check %llu]", Double(words * 8) / elapsed * 1000, buffer[words - 1]))
        var turbo = FastSeededGenerator(seed: [1], domain: "bench.prf")
        start = DispatchTime.now().uptimeNanoseconds
        buffer.withUnsafeMutableBufferPointer { turbo.fill($0) }
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        print(String(format: "TurboSHAKE128 stream (fill): %.0f MB/s  [check %llu]", Double(words * 8) / elapsed * 1000, buffer[words - 1]))
    }
}
