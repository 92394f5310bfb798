/// The bounded table of one decryption kind's requests (`[decryption] result_cache_capacity`): running,
/// finished or failed, evicted oldest-finished first; a failed request may be started again under its id.
struct DecryptionRequestTable<Response: Sendable>: Sendable {
    enum State: Sendable {
        case running(Task<Void, Never>)
        case done(Response)
        case failed(EngineError)
    }

    let capacity: Int
    let what: String
    private var states: [RequestIdentifier: State] = [:]
    /// Request ids in the order they were first accepted (eviction order).
    private var order: [RequestIdentifier] = []

    init(capacity: Int, what: String) {
        self.capacity = capacity
        self.what = what
    }

    subscript(id: RequestIdentifier) -> State? { states[id] }

    func checkFree(_ id: RequestIdentifier) throws(EngineError) {
        switch states[id] {
        case nil, .failed: return
        case .running, .done: throw .alreadyExists("\(what) \(id) exists")
        }
    }

    /// Drops the oldest finished requests while the table is full; refuses when every entry is still running.
    mutating func makeRoom() throws(EngineError) {
        var index = 0
        while states.count >= capacity, index < order.count {
            let candidate = order[index]
            if case .running = states[candidate] {
                index += 1
            } else {
                states.removeValue(forKey: candidate)
                order.remove(at: index)
            }
        }
        guard states.count < capacity else {
            throw .resourceExhausted("\(states.count) \(what)s are running (decryption.result_cache_capacity)")
        }
    }

    mutating func start(_ id: RequestIdentifier, _ task: Task<Void, Never>) {
        if states[id] == nil { order.append(id) }
        states[id] = .running(task)
    }

    mutating func finish(_ id: RequestIdentifier, _ outcome: Result<Response, EngineError>) {
        switch outcome {
        case .success(let response): states[id] = .done(response)
        case .failure(let error): states[id] = .failed(error)
        }
    }

    /// The answer of a finished request; UNAVAILABLE while it runs.
    func answer(_ id: RequestIdentifier) throws(EngineError) -> Response {
        switch states[id] {
        case .running: throw .unavailable("\(what) \(id) is running")
        case .failed(let error): throw error
        case .done(let response): return response
        case nil: throw .notFound("no \(what) \(id)")
        }
    }

    func isRunning(_ id: RequestIdentifier) -> Bool {
        if case .running = states[id] { return true }
        return false
    }
}
