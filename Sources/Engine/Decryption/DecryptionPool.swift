import Algebra
import Foundation
import Logging
import MPCProtocols

/// Decryption preprocessing made before any request needs it: batches of preprocessed blocks (each block the
/// random bits and Beaver triples one LWE block's decryption consumes, `DecryptionMaterial.preprocess`) for the
/// default epoch, refilled in the background whenever this core's free blocks fall below its share — while idle,
/// and under load too, where one batch costs far fewer rounds per block than each request preprocessing its own.
/// Each core owns the batches it starts (it announces them to the others, who join the batch's session), makes
/// its share, target / n, of the cluster's pool, one batch at a time. A request is bound to blocks of finished
/// batches by `PoolAssignment` (a proposal by the request's leader, echoed by 2t + 1 cores); a block is handed to
/// at most one request and never returned (docs/DECRYPTION.md "Pool"). An actor: the batches are shared by the
/// refill task, the announcement listener and the requests.
actor DecryptionPool {
    /// One preprocessed block: its batch and its index there.
    struct BlockRef: Hashable, Sendable {
        let batch: BatchID
        let index: Int
    }

    /// 32 random bytes chosen by the batch's owner.
    struct BatchID: Hashable, Sendable {
        let bytes: [UInt8]
    }

    private enum BlockState: Equatable {
        case free
        case reserved(SessionID)
        case used
    }

    private struct Batch {
        let owner: Int
        let count: Int
        var ready = false
        var bits: [FieldElement] = []
        var triples: [BeaverTriple] = []
        var states: [BlockState]
        var waiters: [CheckedContinuation<Bool, Never>] = []
        let sequence: Int
    }

    let epoch: Epoch
    /// The plan whose per-block needs a pool block covers (the largest among the parameter sets at this (n, t));
    /// a request of a smaller plan uses a prefix of each block's bits and triples.
    let unit: ThresholdDecryptionPlan
    let settings: CoreConfiguration.Decryption
    private let logger: Logger
    private var batches: [BatchID: Batch] = [:]
    private var sequence = 0
    /// The announcement listener and the refill loop.
    private var tasks: [Task<Void, Never>] = []
    /// The preprocessing session of each batch still being made.
    private var production: [BatchID: Task<Void, Never>] = [:]
    private var stopped = false

    /// The session on which cores announce the batches they start (rounds are random: a listener takes all).
    var announcements: SessionID { SessionID.root(requestID: epoch.id.bytes, label: "decryption-pool-announcements") }

    init(epoch: Epoch, unit: ThresholdDecryptionPlan, settings: CoreConfiguration.Decryption, logger: Logger) {
        self.epoch = epoch
        self.unit = unit
        self.settings = settings
        self.logger = logger
    }

    /// This core's share of the target (at least one batch when the pool is on).
    var ownTarget: Int {
        settings.poolTargetBlocks == 0 ? 0 : max(settings.poolBatchBlocks, (settings.poolTargetBlocks + epoch.party.partyCount - 1) / epoch.party.partyCount)
    }

    /// Free blocks of finished batches (all owners): what requests can be bound to now.
    var level: Int {
        batches.values.reduce(0) { total, batch in batch.ready ? total + batch.states.count(where: { $0 == .free }) : total }
    }

    /// Starts listening for other cores' batches and refilling this core's share.
    func start(inbox: PeerInbox) async {
        let stream = await inbox.subscribe(session: announcements)
        let listener = Task { [weak self] in
            for await delivery in stream {
                await self?.announced(by: delivery.key.sender, payload: delivery.payload)
            }
        }
        let refill = Task { [weak self] in
            while !Task.isCancelled {
                await self?.refill()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        tasks = [listener, refill]
    }

    /// Stops both tasks and wipes every batch (its blocks are never used).
    func stop(inbox: PeerInbox) async {
        stopped = true
        for task in tasks + production.values { task.cancel() }
        tasks = []
        production = [:]
        await inbox.unsubscribe(session: announcements)
        for id in Array(batches.keys) { drop(id) }
    }

    // MARK: Leader and followers (PoolAssignment)

    /// The leader's proposal: `count` free blocks of its own finished batches, oldest first, reserved for
    /// `request`; nil when it has too few (then nobody uses the pool for this request). Never blocks of a batch
    /// still being made: the cores would finish it at different times under load, and a request whose cores reach
    /// its echo round that far apart splits into a group with a quorum and one without, too small to decrypt
    /// (measured: sustained load with such proposals failed requests, 2026-12-03).
    func propose(for request: SessionID, count: Int) -> [BlockRef]? {
        var chosen: [BlockRef] = []
        for (id, batch) in batches.sorted(by: { $0.value.sequence < $1.value.sequence })
        where batch.owner == epoch.party.partyID && batch.ready {
            for index in batch.states.indices where batch.states[index] == .free && chosen.count < count {
                chosen.append(BlockRef(batch: id, index: index))
            }
        }
        guard chosen.count == count else { return nil }
        for block in chosen { batches[block.batch]?.states[block.index] = .reserved(request) }
        return chosen
    }

    /// Reserves `blocks` (proposed by `leader`, who must own their batches) for `request`, waiting for a batch
    /// still being made here. False if any block is unknown, not the leader's, or taken: nothing is released then
    /// (a block once proposed is never offered to another request).
    func reserve(_ blocks: [BlockRef], leader: Int, for request: SessionID) async -> Bool {
        for id in Set(blocks.map(\.batch)) {
            guard let batch = batches[id], batch.owner == leader,
                  blocks.allSatisfy({ $0.batch != id || $0.index < batch.count }) else { return false }
            if !batch.ready {
                let made = await withCheckedContinuation { continuation in
                    if batches[id] != nil {
                        batches[id]!.waiters.append(continuation)
                    } else {
                        continuation.resume(returning: false)
                    }
                }
                guard made else { return false }
            }
        }
        var all = true
        for block in blocks {
            guard let state = batches[block.batch]?.states[block.index] else { return false }
            switch state {
            case .free: batches[block.batch]?.states[block.index] = .reserved(request)
            case .reserved(let holder) where holder == request: break
            default: all = false
            }
        }
        return all
    }

    /// The bits and triples of `blocks`, reserved for `request`, cut to `plan` (a prefix of each block), in
    /// block order; the pool's copies are wiped. Nil if a block is not reserved for `request`.
    func take(_ blocks: [BlockRef], for request: SessionID, plan: ThresholdDecryptionPlan) -> (bits: [FieldElement], triples: [BeaverTriple])? {
        guard plan.bitsPerBlock <= unit.bitsPerBlock, plan.triplesPerBlock <= unit.triplesPerBlock,
              blocks.allSatisfy({ batches[$0.batch]?.ready == true && batches[$0.batch]?.states[$0.index] == .reserved(request) })
        else { return nil }
        var bits: [FieldElement] = [], triples: [BeaverTriple] = []
        bits.reserveCapacity(blocks.count * plan.bitsPerBlock)
        triples.reserveCapacity(blocks.count * plan.triplesPerBlock)
        for block in blocks {
            let bitStart = block.index * unit.bitsPerBlock, tripleStart = block.index * unit.triplesPerBlock
            bits += batches[block.batch]!.bits[bitStart..<(bitStart + plan.bitsPerBlock)]
            triples += batches[block.batch]!.triples[tripleStart..<(tripleStart + plan.triplesPerBlock)]
            spend(block)
        }
        return (bits, triples)
    }

    /// Every block reserved for `request` is spent unused (the request fell back to its own preprocessing).
    func burn(_ request: SessionID) {
        for (id, batch) in batches {
            for index in batch.states.indices where batch.states[index] == .reserved(request) {
                spend(BlockRef(batch: id, index: index))
            }
        }
    }

    // MARK: Batches

    /// Marks a block used and wipes its shares; drops the batch when none is left.
    private func spend(_ block: BlockRef) {
        guard var batch = batches[block.batch] else { return }
        batch.states[block.index] = .used
        if batch.ready {
            for index in (block.index * unit.bitsPerBlock)..<((block.index + 1) * unit.bitsPerBlock) { batch.bits[index] = .zero }
            for index in (block.index * unit.triplesPerBlock)..<((block.index + 1) * unit.triplesPerBlock) {
                batch.triples[index] = BeaverTriple(a: .zero, b: .zero, c: .zero)
            }
        }
        batches[block.batch] = batch
        if batch.ready, batch.states.allSatisfy({ $0 == .used }) { drop(block.batch) }
    }

    /// Starts one batch of this core's when its free blocks, made or being made, are below its share and none of
    /// its batches is being made — also while decryptions run.
    private func refill() async {
        guard !stopped else { return }
        let own = batches.values.filter { $0.owner == epoch.party.partyID }
        let outstanding = own.reduce(0) { $0 + $1.states.count(where: { $0 == .free }) }
        guard outstanding < ownTarget, !own.contains(where: { !$0.ready }) else { return }
        var random = SecureRandom()
        let id = BatchID(bytes: random.bytes(count: 32))
        let payload = id.bytes + withUnsafeBytes(of: UInt32(settings.poolBatchBlocks).bigEndian, Array.init)
        for party in 1...epoch.party.partyCount where party != epoch.party.partyID {
            try? await epoch.party.network.send(payload, to: party, session: announcements, round: Int.random(in: 0...(1 << 62)))
        }
        make(id, owner: epoch.party.partyID, count: settings.poolBatchBlocks)
    }

    /// Another core started a batch: join its session, unless that core already holds more than its share.
    private func announced(by owner: Int, payload: [UInt8]) {
        guard !stopped, payload.count == 36, (1...epoch.party.partyCount).contains(owner), owner != epoch.party.partyID else { return }
        let count = payload[32...].reduce(0) { $0 << 8 | Int($1) }
        let id = BatchID(bytes: Array(payload[..<32]))
        let held = batches.values.filter { $0.owner == owner }.reduce(0) { $0 + $1.states.count(where: { $0 != .used }) }
        guard (1...4_096).contains(count), batches[id] == nil, held + count <= ownTarget + settings.poolBatchBlocks else {
            logger.info("decryption pool: batch announcement refused", metadata: ["owner": "\(owner)", "blocks": "\(count)"])
            return
        }
        make(id, owner: owner, count: count)
    }

    /// Runs the batch's preprocessing session (every core of the epoch joins it) on the compute threads.
    private func make(_ id: BatchID, owner: Int, count: Int) {
        sequence += 1
        batches[id] = Batch(owner: owner, count: count, states: Array(repeating: .free, count: count), sequence: sequence)
        let epoch = epoch, unit = unit
        let session = SessionID.root(requestID: id.bytes, label: "decryption-pool-batch")
        let task = Task { [weak self] in
            do {
                let made = try await ComputeExecutor.shared.run {
                    try await DecryptionMaterial.preprocess(
                        blockCount: count, plan: unit, prss: epoch.prss, context: epoch.party, session: session)
                }
                await self?.finished(id, bits: made.bits, triples: made.triples)
            } catch {
                await self?.failed(id, error: error)
            }
        }
        production[id] = task
    }

    /// Adds a finished batch made elsewhere (tests of `PoolAssignment` stand in for a batch session this way).
    func insertReady(_ id: BatchID, owner: Int, bits: [FieldElement], triples: [BeaverTriple]) {
        insertPending(id, owner: owner, count: bits.count / unit.bitsPerBlock)
        finished(id, bits: bits, triples: triples)
    }

    /// Adds a batch still being made elsewhere; `completePending` finishes it (tests, as `insertReady`).
    func insertPending(_ id: BatchID, owner: Int, count: Int) {
        sequence += 1
        batches[id] = Batch(owner: owner, count: count, states: Array(repeating: .free, count: count), sequence: sequence)
    }

    func completePending(_ id: BatchID, bits: [FieldElement], triples: [BeaverTriple]) {
        finished(id, bits: bits, triples: triples)
    }

    private func finished(_ id: BatchID, bits: [FieldElement], triples: [BeaverTriple]) {
        production[id] = nil
        var bits = bits, triples = triples
        guard !stopped, var batch = batches[id] else {
            zeroize(&bits)
            zeroize(&triples)
            return
        }
        batch.bits = bits
        batch.triples = triples
        batch.ready = true
        let waiters = batch.waiters
        batch.waiters = []
        batches[id] = batch
        for waiter in waiters { waiter.resume(returning: true) }
        logger.debug("decryption pool: batch ready", metadata: ["owner": "\(batch.owner)", "blocks": "\(batch.count)", "level": "\(level)"])
    }

    private func failed(_ id: BatchID, error: any Error) {
        logger.warning("decryption pool: batch failed", metadata: ["error": "\(error)"])
        drop(id)
    }

    /// Removes a batch, wiping its shares and failing whoever waits for it.
    private func drop(_ id: BatchID) {
        production.removeValue(forKey: id)
        guard var batch = batches.removeValue(forKey: id) else { return }
        zeroize(&batch.bits)
        zeroize(&batch.triples)
        for waiter in batch.waiters { waiter.resume(returning: false) }
    }
}
