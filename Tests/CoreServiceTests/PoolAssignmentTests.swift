import Algebra
import FHEKeys
import Foundation
import Logging
import MPCProtocols
import MPCTestSupport
import Testing
@testable import Engine

/// PoolAssignment over the in-memory network with four cores' pools (batches inserted directly): an honest
/// leader's proposal binds the same blocks at every core; and, whatever a corrupt leader sends to whom (random
/// proposals and echoes per recipient, several requests at once), no block ever serves two requests at the
/// honest cores, and honest cores that use blocks for one request use the same ones.
@Suite struct PoolAssignmentTests {
    static let unit = try! ThresholdDecryptionPlan(parameters: .insecureTest, partyCount: 4, threshold: 1)

    struct Core {
        let context: PartyContext
        let pool: DecryptionPool
    }

    static func cores(_ hub: InMemoryHub) throws -> [Core] {
        let epochID = try RequestIdentifier(bytes: Array(repeating: 7, count: 32))
        var settings = CoreConfiguration.Decryption()
        settings.poolTargetBlocks = 0
        return try (1...4).map { party in
            let context = try PartyContext(network: hub.endpoint(party), threshold: 1, timeout: .milliseconds(100), deadline: .milliseconds(300))
            let subsets = PRSS.subsets(partyCount: 4, threshold: 1).filter { $0.contains(party) }.count
            let prss = try PRSS(partyID: party, partyCount: 4, threshold: 1, keys: Array(repeating: Array(repeating: 1, count: 32), count: subsets))
            let epoch = Epoch(id: epochID, contextID: epochID, prss: prss, party: context)
            return Core(context: context, pool: DecryptionPool(epoch: epoch, unit: unit, settings: settings, logger: Logger(label: "test")))
        }
    }

    /// A batch of `count` blocks owned by `owner`, the same id at every core (block b's bits are all b + 1).
    static func insert(_ cores: [Core], owner: Int, count: Int, id: UInt8) async -> DecryptionPool.BatchID {
        let batch = DecryptionPool.BatchID(bytes: Array(repeating: id, count: 32))
        for core in cores {
            let bits = (0..<count).flatMap { block in Array(repeating: FieldElement(UInt64(block + 1)), count: unit.bitsPerBlock) }
            let triples = Array(repeating: BeaverTriple(a: .one, b: .one, c: .one), count: count * unit.triplesPerBlock)
            await core.pool.insertReady(batch, owner: owner, bits: bits, triples: triples)
        }
        return batch
    }

    /// A request id led by `leader`, its decryption session and a content digest.
    static func request(ledBy leader: Int, _ index: Int) throws -> (id: RequestIdentifier, session: SessionID, digest: [UInt8]) {
        var bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        bytes[31] = UInt8(leader - 1)
        let id = try RequestIdentifier(bytes: bytes)
        return (id, SessionID.root(requestID: bytes, label: "public-decrypt"), [UInt8(index)] + Array(repeating: 0, count: 31))
    }

    @Test func anHonestLeadersProposalBindsTheSameBlocksEverywhere() async throws {
        let hub = InMemoryHub(partyCount: 4)
        let cores = try Self.cores(hub)
        _ = await Self.insert(cores, owner: 2, count: 6, id: 1)
        let request = try Self.request(ledBy: 2, 0)
        let agreed = try await withThrowingTaskGroup(of: (Int, [DecryptionPool.BlockRef]?).self) { group in
            for (index, core) in cores.enumerated() {
                group.addTask {
                    (index + 1, try await PoolAssignment.run(pool: core.pool, request: request.session, requestID: request.id,
                                                             digest: request.digest, blocks: 4, context: core.context))
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let first = try #require(agreed[1] ?? nil)
        #expect(first.count == 4 && Set(first).count == 4)
        #expect((2...4).allSatisfy { agreed[$0] ?? nil == first })
        for core in cores {
            let taken = try #require(await core.pool.take(first, for: request.session, plan: Self.unit))
            #expect(taken.bits.count == 4 * Self.unit.bitsPerBlock)
            #expect(await core.pool.level == 2)
        }
        // The same blocks cannot be taken again, for this request or another.
        #expect(await cores[0].pool.take(first, for: request.session, plan: Self.unit) == nil)
    }

    /// A leader never proposes blocks of a batch still being made, even when they would cover the request: every
    /// core falls back alike (nobody waits for the batch, whose cores would finish it at different times under
    /// load and split the request), and the made blocks and the batch stay free for later requests.
    @Test func blocksOfABatchStillBeingMadeAreNotProposed() async throws {
        let hub = InMemoryHub(partyCount: 4)
        let cores = try Self.cores(hub)
        _ = await Self.insert(cores, owner: 3, count: 2, id: 1)
        let pending = DecryptionPool.BatchID(bytes: Array(repeating: 2, count: 32))
        for core in cores { await core.pool.insertPending(pending, owner: 3, count: 8) }
        let request = try Self.request(ledBy: 3, 0)
        let agreed = try await withThrowingTaskGroup(of: (Int, [DecryptionPool.BlockRef]?).self) { group in
            for (index, core) in cores.enumerated() {
                group.addTask {
                    (index + 1, try await PoolAssignment.run(pool: core.pool, request: request.session, requestID: request.id,
                                                             digest: request.digest, blocks: 5, context: core.context))
                }
            }
            return try await group.reduce(into: [(Int, [DecryptionPool.BlockRef]?)]()) { $0.append($1) }
        }
        #expect(agreed.count == 4 && agreed.allSatisfy { $0.1 == nil }, "\(agreed)")
        for core in cores {
            let bits = (0..<8).flatMap { block in Array(repeating: FieldElement(UInt64(100 + block)), count: Self.unit.bitsPerBlock) }
            let triples = Array(repeating: BeaverTriple(a: .one, b: .one, c: .one), count: 8 * Self.unit.triplesPerBlock)
            await core.pool.completePending(pending, bits: bits, triples: triples)
            #expect(await core.pool.level == 10)
        }
    }

    @Test func proposalsRoundTripAndMalformedOnesAreRefused() {
        let a = DecryptionPool.BatchID(bytes: Array(repeating: 1, count: 32)), b = DecryptionPool.BatchID(bytes: Array(repeating: 2, count: 32))
        let blocks = [0, 1, 2, 5].map { DecryptionPool.BlockRef(batch: a, index: $0) } + [DecryptionPool.BlockRef(batch: b, index: 3)]
        let encoded = PoolAssignment.encode(blocks)
        #expect(encoded.count == 2 + 3 * 40, "three ranges")
        #expect(PoolAssignment.decode(encoded, blocks: 5) == blocks)
        #expect(PoolAssignment.decode(encoded, blocks: 4) == nil, "another block count")
        #expect(PoolAssignment.decode(Array(encoded.dropLast()), blocks: 5) == nil, "truncated")
        #expect(PoolAssignment.decode(PoolAssignment.encode(blocks + [blocks[0]]), blocks: 6) == nil, "a block twice")
        #expect(PoolAssignment.decode([], blocks: 1) == nil && PoolAssignment.decode([0, 0], blocks: 1) == nil)
    }

    @Test(arguments: 0..<40) func noBlockServesTwoRequestsWhateverACorruptLeaderSends(trial: Int) async throws {
        let hub = InMemoryHub(partyCount: 4)
        let cores = try Self.cores(hub)
        let honest = Array(cores.prefix(3))
        let batch = await Self.insert(cores, owner: 4, count: 4, id: 9)
        let requests = try (0..<3).map { try Self.request(ledBy: 4, $0) }
        // Candidate proposals overlapping on purpose: the adversary tries to bind one block to two requests.
        let candidates: [[UInt8]] = [[0, 1], [1, 2], [2, 3], [0, 3]].map { PoolAssignment.encode($0.map { DecryptionPool.BlockRef(batch: batch, index: $0) }) }
            + [[], [1, 2, 3]]
        let adversary = hub.endpoint(4)
        var random = SystemRandomNumberGenerator()
        var plan: [[Int: ([UInt8], [UInt8])]] = []  // per request: recipient → (proposal, echo)
        for _ in requests {
            plan.append(Dictionary(uniqueKeysWithValues: (1...3).map { ($0, (candidates.randomElement(using: &random)!, candidates.randomElement(using: &random)!)) }))
        }
        let sends = plan
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int, [DecryptionPool.BlockRef]?).self) { group in
            for (r, request) in requests.enumerated() {
                let session = request.session.child("pool assignment").child(request.digest.map { String(format: "%02x", $0) }.joined())
                group.addTask {
                    for recipient in 1...3 { try await adversary.send(sends[r][recipient]!.0, to: recipient, session: session, round: 0) }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...40)))
                    for recipient in 1...3 { try await adversary.send(sends[r][recipient]!.1, to: recipient, session: session, round: 1) }
                    return (r, 4, nil)
                }
                for (index, core) in honest.enumerated() {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(Int.random(in: 0...20)))
                        let blocks = try await PoolAssignment.run(pool: core.pool, request: request.session, requestID: request.id,
                                                                  digest: request.digest, blocks: 2, context: core.context)
                        if let blocks { #expect(await core.pool.take(blocks, for: request.session, plan: Self.unit) != nil) }
                        return (r, index + 1, blocks)
                    }
                }
            }
            return try await group.reduce(into: [(Int, Int, [DecryptionPool.BlockRef]?)]()) { $0.append($1) }
        }
        var requestsOfBlock: [DecryptionPool.BlockRef: Set<Int>] = [:]
        var blocksOfRequest: [Int: Set<[DecryptionPool.BlockRef]>] = [:]
        for (request, party, blocks) in outcomes where party <= 3 {
            guard let blocks else { continue }
            for block in blocks { requestsOfBlock[block, default: []].insert(request) }
            blocksOfRequest[request, default: []].insert(blocks)
        }
        #expect(requestsOfBlock.values.allSatisfy { $0.count == 1 }, "a block served two requests: \(requestsOfBlock) (plan \(plan))")
        #expect(blocksOfRequest.values.allSatisfy { $0.count == 1 }, "honest cores used different blocks for one request")
    }
}
