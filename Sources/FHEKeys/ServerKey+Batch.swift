#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Batch PBS over the machine's cores (issue 13 item 3): the KMS's users bootstrap many ciphertexts at once. Each
/// ciphertext's KS-PBS is the same single-threaded code as `apply`, so the results are those of a sequential loop and
/// the single-PBS latency is unchanged; the batch is cut into chunks that at most `workers` child tasks of a task
/// group take in turn (a chunk finished early frees its worker for the next, so a core the shared machine takes away
/// does not hold the batch back by a fixed share).
extension ServerKey {
    /// The processors currently online (at least 1): the default number of workers.
    public static var onlineProcessorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// table[m] of every input (under the small key), in input order; `workers` KS-PBS run at a time.
    public func apply(_ table: [UInt64], to inputs: [LWECiphertext], workers: Int = ServerKey.onlineProcessorCount)
        async -> [LWECiphertext] {
        let workers = max(1, min(workers, inputs.count))
        if workers == 1 { return inputs.map { apply(table, to: $0) } }
        // About four chunks per worker: small enough to balance, large enough that scheduling costs nothing.
        let chunkSize = max(1, (inputs.count + 4 * workers - 1) / (4 * workers))
        let chunks = stride(from: 0, to: inputs.count, by: chunkSize).map { $0..<min($0 + chunkSize, inputs.count) }
        var results = [LWECiphertext?](repeating: nil, count: inputs.count)
        await withTaskGroup(of: (Range<Int>, [LWECiphertext]).self) { group in
            var next = 0
            while next < chunks.count {
                if next >= workers, let (range, outputs) = await group.next() {
                    for (offset, output) in outputs.enumerated() { results[range.lowerBound + offset] = output }
                }
                let range = chunks[next]
                next += 1
                group.addTask { (range, inputs[range].map { self.apply(table, to: $0) }) }
            }
            for await (range, outputs) in group {
                for (offset, output) in outputs.enumerated() { results[range.lowerBound + offset] = output }
            }
        }
        return results.map { $0! }
    }
}
