import Foundation

/// Dedicated threads for MPC and FHE computation (DESIGN §6). Protocol code run with this executor as its task
/// executor preference never occupies Swift's cooperative pool, which has one thread per core (two here) and
/// is where gRPC handlers resume: a long local computation would otherwise stall every RPC of the core.
public final class ComputeExecutor: TaskExecutor, @unchecked Sendable {
    /// One executor per process, with as many threads as the machine has cores.
    public static let shared = ComputeExecutor(threads: max(1, ProcessInfo.processInfo.activeProcessorCount), name: "kms-compute")

    /// Guards `jobs` and `head`; signalled when a job is queued.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0

    /// Starts `threads` threads that live as long as the process.
    public init(threads: Int, name: String) {
        for index in 0..<threads {
            let thread = Thread { [unowned self] in
                Self.nameCurrentThread("\(name)-\(index)")
                self.work()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` (and every child task it starts) on this executor's threads, in a task created with this
    /// executor as its preference, so that its first job is enqueued here; cancelling the caller cancels it.
    /// (`withTaskExecutorPreference` alone left the whole body on the global pool in some runs on Swift 6.3.1,
    /// Linux: seen twice in CI, 2026-12-01 and 12-02.)
    public func run<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let task = Task(executorPreference: self) { try await body() }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    /// Names the calling thread (for `top -H`, profiles and tests). On Linux through /proc/thread-self/comm:
    /// Foundation's `Thread.current.name = …` in a thread just started loses the race with `start()` recording the
    /// thread (about 1 in 100 threads keep the creator's name; seen in CI as "oot.default-qos" on 2026-12-02), and a
    /// name set before `start()` does not reach the thread at all.
    static func nameCurrentThread(_ name: String) {
        #if os(Linux)
        if (try? name.write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)) != nil { return }
        #endif
        Thread.current.name = name
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 4096 {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
