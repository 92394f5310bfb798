import Algebra

/// Background preprocessing: produces Beaver triples and random bits in batches and hands them out, so an
/// online decryption only spends a few rounds. Every party runs the same batch schedule (batch k uses session
/// `base.child(k)` for a fixed split of triples and bits), so the parties' batches match whatever the order in
/// which they consume. An actor because it is shared mutable state between the filler and consumers.
public actor PreprocessingPool {
    public let batchTriples: Int
    public let batchBits: Int
    private let prss: PRSS
    private let context: PartyContext
    private let base: SessionID
    private var triples: [BeaverTriple] = []
    private var bits: [FieldElement] = []
    private var nextBatch: UInt64 = 0
    /// Parties this party caught cheating in a dispute; their shares count as missing in later batches.
    public private(set) var excluded = Set<Int>()
    private var inFlight: Task<Void, Error>?
    private var filler: Task<Void, Never>?
    private var fillerWake: CheckedContinuation<Void, Never>?
    public private(set) var batchesProduced = 0

    /// Each batch yields `batchTriples` triples and up to `batchBits` bits (bits consume further triples).
    public init(prss: PRSS, context: PartyContext, session: SessionID, batchTriples: Int = 4096, batchBits: Int = 1024) {
        self.prss = prss
        self.context = context
        self.base = session
        self.batchTriples = batchTriples
        self.batchBits = batchBits
    }

    public var availableTriples: Int { triples.count }
    public var availableBits: Int { bits.count }

    /// Keeps at least `targetTriples` triples and `targetBits` bits in stock in the background.
    public func startBackgroundFill(targetTriples: Int, targetBits: Int) {
        guard filler == nil else { return }
        filler = Task {
            while !Task.isCancelled {
                if self.triples.count < targetTriples || self.bits.count < targetBits {
                    do { try await self.produceNext() } catch { return }
                } else {
                    await withCheckedContinuation { self.fillerWake = $0 }
                }
            }
        }
    }

    deinit {
        zeroize(&triples)
        zeroize(&bits)
    }

    /// Stops background filling and wipes the triples and bits not handed out.
    public func stop() {
        zeroize(&triples)
        zeroize(&bits)
        triples = []
        bits = []
        filler?.cancel()
        fillerWake?.resume()
        fillerWake = nil
        filler = nil
    }

    public func takeTriples(_ count: Int) async throws -> [BeaverTriple] {
        while triples.count < count { try await produceNext() }
        let taken = Array(triples.prefix(count))
        let rest = Array(triples.dropFirst(count))
        zeroize(&triples)  // removeFirst would leave the moved shares behind in the old storage
        triples = rest
        wakeFiller()
        return taken
    }

    public func takeBits(_ count: Int) async throws -> [FieldElement] {
        while bits.count < count { try await produceNext() }
        let taken = Array(bits.prefix(count))
        let rest = Array(bits.dropFirst(count))
        zeroize(&bits)
        bits = rest
        wakeFiller()
        return taken
    }

    private func wakeFiller() {
        fillerWake?.resume()
        fillerWake = nil
    }

    /// Produces the next batch of the schedule, or waits for the one in flight.
    private func produceNext() async throws {
        if let inFlight {
            try await inFlight.value
            return
        }
        let batch = nextBatch
        nextBatch += 1
        let task = Task { try await self.produce(batch: batch) }
        inFlight = task
        defer { inFlight = nil }
        try await task.value
    }

    private func produce(batch: UInt64) async throws {
        let session = base.child(batch)
        var caught = excluded
        let fresh = try await BeaverTriples.generate(
            count: batchTriples + batchBits, prss: prss, context: context, session: session.child(1), excluded: &caught
        )
        excluded.formUnion(caught)
        let newBits = try await RandomBits.generate(
            count: batchBits, triples: Array(fresh.suffix(batchBits)), prss: prss, context: context, session: session.child(2)
        )
        triples.append(contentsOf: fresh.prefix(batchTriples))
        bits.append(contentsOf: newBits)
        batchesProduced += 1
    }
}
