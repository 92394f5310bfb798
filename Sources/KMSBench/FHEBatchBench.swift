import Algebra
import FHEKeys
import Foundation

/// The batch figure of `kms-bench fhe` (issue 13 item 3): `count` KS-PBS through `ServerKey.apply(_:to:workers:)`
/// with one worker and with every online core, back to back for each key, as KS-PBS per second (wall) and process
/// CPU time per KS-PBS; every output is decrypted and checked.
enum FHEBatchBench {
    static func run(servers: [(String, ServerKey)], client: ClientKey, table: [UInt64], count: Int,
                    generator: inout SecureRandom) async {
        let cores = ServerKey.onlineProcessorCount
        let messages = (0..<count).map { _ in generator.next() % client.parameters.plaintextModulus }
        let inputs = messages.map { client.encrypt($0, using: &generator) }
        let expected = messages.map { table[Int($0)] }
        print("\n### Batch of \(count) KS-PBS (`ServerKey.apply(_:to:workers:)`), \(cores) online cores\n")
        print("| key | workers | wall | KS-PBS per second | process CPU per KS-PBS | speed-up | wrong |")
        print("|---|---|---|---|---|---|---|")
        let clock = ContinuousClock()
        for (name, server) in servers {
            var single = 0.0
            for workers in [1, cores] {
                let cpu0 = processCPUSeconds()
                let start = clock.now
                let outputs = await server.apply(table, to: inputs, workers: workers)
                let wall = FHEBench.seconds(clock.now - start)
                let cpu = processCPUSeconds() - cpu0
                let wrong = zip(outputs, expected).filter { client.decrypt($0.0) != $0.1 }.count
                if workers == 1 { single = wall }
                print("| \(name) | " + String(format: "%d | %.3f s | %.2f | %.2f ms | %.2f× | %d of %d |", workers, wall,
                                                  Double(count) / wall, cpu / Double(count) * 1e3, single / wall, wrong, count))
            }
        }
    }

    /// User + system CPU time of the whole process (every thread).
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
