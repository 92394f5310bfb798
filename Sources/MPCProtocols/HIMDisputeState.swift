/// What dispute control of HIM extraction has established so far (Beerliová-Trubíniová & Hirt, TCC 2008, §4,
/// after Hirt, Maurer & Przydatek, ASIACRYPT 2000): pairs of parties in dispute — at least one of the two is
/// corrupt — and eliminated parties — proven corrupt. It only changes by decisions taken through Byzantine
/// agreement, so every honest party holds the same value. Two parties in dispute no longer use each other's
/// messages (a dealer's share for a disputed party is fixed to 0); an eliminated party's messages are ignored
/// and its dealings count as 0. An honest party's disputes are all with corrupt parties, so a party in more than
/// t disputes is corrupt and is eliminated. Kept across batches by the caller, like `BeaverTriples`' `excluded`.
public struct HIMDisputeState: Sendable, Hashable {
    public let partyCount: Int
    /// Bit j − 1 of `disputeMasks[i − 1]`: parties i and j are in dispute (symmetric).
    private var disputeMasks: [UInt64]
    /// Bit i − 1: party i is eliminated.
    private var eliminatedMask: UInt64 = 0

    public init(partyCount: Int) {
        precondition((1...64).contains(partyCount), "HIM dispute control supports 1…64 parties")
        self.partyCount = partyCount
        disputeMasks = [UInt64](repeating: 0, count: partyCount)
    }

    public var eliminated: [Int] { (1...partyCount).filter(isEliminated) }

    /// The pairs (i, j), i < j, in dispute.
    public var disputes: [(Int, Int)] {
        (1...partyCount).flatMap { i in (i...partyCount).filter { inDispute(i, $0) }.map { (i, $0) } }
    }

    public func isEliminated(_ party: Int) -> Bool { eliminatedMask & Self.bit(party) != 0 }

    public func inDispute(_ a: Int, _ b: Int) -> Bool { disputeMasks[a - 1] & Self.bit(b) != 0 }

    /// Whether `a` and `b` (distinct) do not use each other's messages: one is eliminated or they are in dispute.
    func separated(_ a: Int, _ b: Int) -> Bool {
        a != b && (isEliminated(a) || isEliminated(b) || inDispute(a, b))
    }

    /// The live parties in dispute with `party`: their shares of its dealings are fixed to 0.
    func disputedLive(with party: Int) -> [Int] {
        (1...partyCount).filter { inDispute(party, $0) && !isEliminated($0) }
    }

    mutating func addDispute(_ a: Int, _ b: Int) {
        guard a != b else { return }
        disputeMasks[a - 1] |= Self.bit(b)
        disputeMasks[b - 1] |= Self.bit(a)
    }

    mutating func eliminate(_ party: Int) { eliminatedMask |= Self.bit(party) }

    /// Eliminates every party in more than `threshold` disputes (only a corrupt party can be).
    mutating func eliminateOverloaded(threshold: Int) {
        for party in 1...partyCount where disputeMasks[party - 1].nonzeroBitCount > threshold { eliminate(party) }
    }

    /// Both states' disputes and eliminations (a batch's own findings on top of the persistent ones).
    func merged(with other: HIMDisputeState) -> HIMDisputeState {
        var result = self
        result.eliminatedMask |= other.eliminatedMask
        for index in disputeMasks.indices { result.disputeMasks[index] |= other.disputeMasks[index] }
        return result
    }

    private static func bit(_ party: Int) -> UInt64 { 1 << UInt64(party - 1) }
}
