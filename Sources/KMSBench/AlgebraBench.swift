import Algebra
import Foundation

/// `kms-bench algebra`: field multiply latency and negacyclic NTT throughput.
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
            print(String(format: "NTT %5d: forward %.2f µs, inverse %.2f µs", size, forwardMicros, elapsed / Double(repetitions) / 1000))
        }
    }
}
