import Algebra
import SecureMemory

/// Batches of Beaver triples from the generator `TripleGenerator.preferred` picks for (n, t), with each
/// generator's dispute state kept across batches (a party proven to cheat stays excluded for the whole run).
/// HIM dealing needs local randomness: it is seeded once from the system CSPRNG and wiped when the source ends.
public struct TripleSource: Sendable {
    public let kind: TripleGenerator
    private let prss: PRSS
    private let context: PartyContext
    private var excluded = Set<Int>()
    private var disputes: HIMDisputeState
    private var dealing: FastSeededGenerator

    public init(prss: PRSS, context: PartyContext, kind: TripleGenerator? = nil) {
        self.kind = kind ?? .preferred(partyCount: context.partyCount, threshold: context.threshold)
        self.prss = prss
        self.context = context
        disputes = HIMDisputeState(partyCount: context.partyCount)
        var system = SecureRandom()
        var seed = system.bytes(count: 32)
        dealing = FastSeededGenerator(seed: seed, domain: "kms.triple-source.him-dealing")
        seed.withUnsafeMutableBytes { secureZero($0) }
    }

    /// `count` triples under `session` (every party must use the same session for the same batch).
    public mutating func next(_ count: Int, session: SessionID) async throws -> [BeaverTriple] {
        guard count > 0 else { return [] }
        switch kind {
        case .prss:
            return try await BeaverTriples.generate(count: count, prss: prss, context: context, session: session, excluded: &excluded)
        case .hyperInvertible:
            return try await DoubleSharingTriples.generate(count: count, context: context, session: session, disputes: &disputes, using: &dealing)
        }
    }

    /// `count` triples and `randoms` random degree-t sharings under `session`: from one extraction with the
    /// hyper-invertible matrix; with PRSS the randoms are PRSS draws under `session.child("randoms")`.
    public mutating func next(
        _ count: Int, randoms: Int, session: SessionID
    ) async throws -> (triples: [BeaverTriple], randoms: [FieldElement]) {
        switch kind {
        case .prss:
            let triples = try await next(count, session: session)
            return (triples, randoms > 0 ? prss.randomShares(count: randoms, session: session.child("randoms")) : [])
        case .hyperInvertible:
            return try await DoubleSharingTriples.generate(
                count: count, randoms: randoms, context: context, session: session, disputes: &disputes, using: &dealing)
        }
    }

    /// Wipes the dealing generator's state.
    public mutating func finish() { dealing.wipe() }
}
