import Foundation
import MPCProtocols

/// Binds one decryption request to preprocessed blocks of the `DecryptionPool`, so that every honest core uses
/// the same blocks for it whatever order requests reach them in, and no block ever serves two requests.
/// Two rounds on a session derived from the request (its id, kind and a digest of its content):
/// 1. the request's leader (a party chosen by the request id) proposes blocks of its own batches and reserves them
///    (only the leader speaks: `PartyContext.fromLeader`);
/// 2. every core reserves the proposed blocks (if it holds them free) and echoes the proposal, or an empty echo.
/// A core uses the blocks only with 2t + 1 equal echoes of its own reservation. Safety: two such quorums of
/// n = 3t + 1 share an honest core, which reserves a block for one request only, so a block never serves two
/// requests (a reused block would open b − ⟨a, s⟩ plus the same mask twice). Every core without a quorum spends its
/// reservations and preprocesses the request's material itself (the design before the pool). A silent, garbage
/// or short leader gives no core a quorum (all fall back together); an equivocating leader can split the cores,
/// and then the request may fail at some of them and be retried (docs/DECRYPTION.md "Pool").
enum PoolAssignment {
    /// Ranges per proposal at most (a proposal lists consecutive blocks of a batch as one range).
    static let maximumRanges = 256

    /// The party that proposes blocks for `requestID` (spread over the cores by the id's last byte).
    static func leader(of requestID: RequestIdentifier, partyCount: Int) -> Int {
        Int(requestID.bytes[31]) % partyCount + 1
    }

    /// The blocks the cores agreed on for `request` (one per LWE block, in order), or nil: preprocess instead.
    static func run(
        pool: DecryptionPool, request: SessionID, requestID: RequestIdentifier, digest: [UInt8], blocks: Int,
        context: PartyContext
    ) async throws -> [DecryptionPool.BlockRef]? {
        let n = context.partyCount, t = context.threshold
        let leader = leader(of: requestID, partyCount: n)
        let session = request.child("pool assignment").child(digest.map { String(format: "%02x", $0) }.joined())
        var proposal: [UInt8] = []
        if context.partyID == leader, let blocks = await pool.propose(for: request, count: blocks) {
            proposal = encode(blocks)
        }
        let proposed = try await context.fromLeader(leader, session: session, round: 0) { proposal }
        var echo: [UInt8] = []
        if let received = proposed, let refs = decode(received, blocks: blocks),
           await pool.reserve(refs, leader: leader, for: request) {
            echo = received
        }
        let quorum = 2 * t + 1
        let echoed = try await context.gather(session: session, round: 1, payloads: { _ in echo }) { messages -> Bool? in
            let matching = messages.count(where: { $0 == echo })
            if !echo.isEmpty && matching >= quorum { return true }
            if echo.isEmpty || matching + messages.count(where: { $0 == nil }) < quorum { return false }
            return nil
        }
        if echoed.result == true, let refs = decode(echo, blocks: blocks) { return refs }
        await pool.burn(request)
        return nil
    }

    /// Ranges of consecutive blocks: count (u16 BE), then per range batch id (32) ‖ first index (u32 BE) ‖ length (u32 BE).
    static func encode(_ blocks: [DecryptionPool.BlockRef]) -> [UInt8] {
        var ranges: [(batch: DecryptionPool.BatchID, first: Int, length: Int)] = []
        for block in blocks {
            if let last = ranges.last, last.batch == block.batch, last.first + last.length == block.index {
                ranges[ranges.count - 1].length += 1
            } else {
                ranges.append((block.batch, block.index, 1))
            }
        }
        var bytes = withUnsafeBytes(of: UInt16(ranges.count).bigEndian, Array.init)
        for range in ranges {
            bytes += range.batch.bytes
            bytes += withUnsafeBytes(of: UInt32(range.first).bigEndian, Array.init)
            bytes += withUnsafeBytes(of: UInt32(range.length).bigEndian, Array.init)
        }
        return bytes
    }

    /// The blocks of a proposal, or nil unless it is well formed, names exactly `blocks` blocks and none twice.
    static func decode(_ bytes: [UInt8], blocks: Int) -> [DecryptionPool.BlockRef]? {
        guard bytes.count >= 2 else { return nil }
        let count = Int(bytes[0]) << 8 | Int(bytes[1])
        guard (1...maximumRanges).contains(count), bytes.count == 2 + count * 40 else { return nil }
        var result: [DecryptionPool.BlockRef] = []
        for range in 0..<count {
            let start = 2 + range * 40
            let batch = DecryptionPool.BatchID(bytes: Array(bytes[start..<(start + 32)]))
            let first = bytes[(start + 32)..<(start + 36)].reduce(0) { $0 << 8 | Int($1) }
            let length = bytes[(start + 36)..<(start + 40)].reduce(0) { $0 << 8 | Int($1) }
            guard length >= 1, length <= blocks - result.count, first <= 4_096 else { return nil }
            result += (first..<(first + length)).map { DecryptionPool.BlockRef(batch: batch, index: $0) }
        }
        guard result.count == blocks, Set(result).count == blocks else { return nil }
        return result
    }
}
