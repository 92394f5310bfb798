import Foundation
import Testing
@testable import Engine

/// Protocol work runs on the executor's own threads, never on Swift's cooperative pool.
@Suite struct ComputeExecutorTests {
    /// The name of the thread running the caller (a synchronous function, so it may ask).
    static func threadName() -> String { Thread.current.name ?? "" }

    @Test func workAndItsChildTasksRunOnTheExecutorsThreads() async throws {
        let executor = ComputeExecutor(threads: 2, name: "test-compute")
        let names = try await executor.run {
            try await withThrowingTaskGroup(of: String.self) { group in
                // The preference is given explicitly: on Swift 6.3.1 (Linux) a child task that only inherits it ran
                // on the global pool in about one run of three (seen 2026-12-01), contrary to SE-0417.
                for _ in 0..<8 { group.addTask(executorPreference: executor) { Self.threadName() } }
                var names = [Self.threadName()]
                for try await name in group { names.append(name) }
                return names
            }
        }
        #expect(names.count == 9)
        #expect(names.allSatisfy { $0.hasPrefix("test-compute-") }, "\(names)")
        // Outside `run`, the caller is back on the pool.
        #expect(!Self.threadName().hasPrefix("test-compute-"))
    }
}
