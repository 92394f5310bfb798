import Algebra

/// The preprocessed elements one batch of threshold decryption consumes, bound to the session that consumes it
/// (DESIGN §3.3): per block L shared random bits (r), the borrow circuit's triples, two PRSS-mask shares (u over
/// the message bits, e over the high part) and one PRSS random share (the user variant's re-randomizer). Bits and triples come from
/// preprocessing (`generate`, or a `PreprocessingPool` batch taken for the session); masks and re-randomizers
/// are non-interactive PRSS values derived from the session, so every party uses the same element for the same
/// block whatever order requests arrive in. Consumed once: a session is never decrypted twice.
public struct DecryptionMaterial: Sendable {
    public let plan: ThresholdDecryptionPlan
    /// The decryption session this material belongs to.
    public let session: SessionID
    public let blockCount: Int
    /// bits[b·L + j]: share of bit j of r for block b.
    var bits: [FieldElement]
    /// `plan.triplesPerBlock` per block, in circuit order.
    var triples: [BeaverTriple]
    /// Share of e per block (PRSS-mask at 2^M, each subset's term uniform in [−B, B]).
    var masks: [FieldElement]
    /// Share of u per block (PRSS-mask at 2^L, the same bound): hides the message bits in c and the borrow in y.
    var messageMasks: [FieldElement]
    /// The PRSS the user variant's re-randomizers come from (`rerandomizerShares`), drawn only when used.
    let prss: PRSS

    /// What `blockCount` blocks need from preprocessing: shared random bits and (online) triples, in the units
    /// of `PreprocessingPool.take(triples:bits:for:)`; the bits consume one more triple each when generated.
    public static func requirement(blockCount: Int, plan: ThresholdDecryptionPlan) -> (bits: Int, triples: Int) {
        (blockCount * plan.bitsPerBlock, blockCount * plan.triplesPerBlock)
    }

    /// The material of `session` from preprocessed bits and triples (e.g. a pool batch taken for `session`) and
    /// the PRSS values the session determines.
    public init(
        plan: ThresholdDecryptionPlan, blockCount: Int, bits: [FieldElement], triples: [BeaverTriple], prss: PRSS,
        session: SessionID
    ) throws(MPCError) {
        let needed = Self.requirement(blockCount: blockCount, plan: plan)
        guard bits.count == needed.bits, triples.count == needed.triples else {
            throw .invalidParameters(
                "decryption material for \(blockCount) blocks needs \(needed.bits) bits and \(needed.triples) triples, got \(bits.count) and \(triples.count)"
            )
        }
        guard prss.partyCount == plan.partyCount, prss.threshold == plan.threshold else {
            throw .invalidParameters("PRSS of (\(prss.partyCount), \(prss.threshold)) for a plan of (\(plan.partyCount), \(plan.threshold))")
        }
        self.plan = plan
        self.session = session
        self.blockCount = blockCount
        self.bits = bits
        self.triples = triples
        var both = prss.maskShares(count: 2 * blockCount, bound: plan.maskBound, session: session.child("decryption mask"))
        defer { zeroize(&both) }
        masks = Array(both[..<blockCount])
        messageMasks = Array(both[blockCount...])
        self.prss = prss
    }

    /// Shares of a PRSS random value per block, user decryption's re-randomization (a public decryption never
    /// draws them: at (13, 4) each costs C(12, 4) = 495 PRF streams). The caller wipes them.
    func rerandomizerShares() -> [FieldElement] {
        prss.randomShares(count: blockCount, session: session.child("decryption rerandomizer"))
    }

    /// Generates the material of `session` for `blockCount` blocks: triples by `generator` (PRSS or
    /// hyper-invertible matrix; by default `TripleGenerator.preferred` for the context's (n, t)), bits by the
    /// square-root trick, all under a child of `session` (so it may run in the background before the online
    /// phase). Every party must call it with the same session, block count and plan. A lost bit (r = 0,
    /// probability 1/p) fails the whole batch.
    public static func generate(
        blockCount: Int, plan: ThresholdDecryptionPlan, prss: PRSS, context: PartyContext, session: SessionID,
        generator: TripleGenerator? = nil
    ) async throws -> DecryptionMaterial {
        var (bits, triples) = try await preprocess(
            blockCount: blockCount, plan: plan, prss: prss, context: context,
            session: session.child("decryption preprocessing"), generator: generator)
        defer {
            zeroize(&bits)
            zeroize(&triples)
        }
        return try DecryptionMaterial(plan: plan, blockCount: blockCount, bits: bits, triples: triples, prss: prss, session: session)
    }

    /// The bits and triples of `blockCount` blocks of `plan`, generated under `session` itself (block b's are
    /// `bits[b·L ..< (b+1)·L]` and `triples[b·T ..< (b+1)·T]`): what `generate` uses, and what a background pool
    /// of preprocessed blocks holds before a request is bound to them. The caller owns (and wipes) the shares.
    /// The triples come from `generator`, by default the one `TripleGenerator.preferred` picks for (n, t): at
    /// (13, 4) PRSS would cost every party 4·495 PRF streams per triple, the hyper-invertible matrix about 80
    /// multiply-adds.
    public static func preprocess(
        blockCount: Int, plan: ThresholdDecryptionPlan, prss: PRSS, context: PartyContext, session: SessionID,
        generator: TripleGenerator? = nil
    ) async throws -> (bits: [FieldElement], triples: [BeaverTriple]) {
        let needed = requirement(blockCount: blockCount, plan: plan)
        var source = TripleSource(prss: prss, context: context, kind: generator)
        defer { source.finish() }
        // The bits' random values come with the triples (one extraction with the hyper-invertible matrix).
        var (fresh, randoms) = try await source.next(
            needed.triples + needed.bits, randoms: needed.bits, session: session.child("triples"))
        defer {
            zeroize(&fresh)
            zeroize(&randoms)
        }
        var forBits = Array(fresh.suffix(needed.bits))
        defer { zeroize(&forBits) }
        let bits = try await RandomBits.generate(randoms: randoms, triples: forBits, context: context, session: session.child("bits"))
        guard bits.count == needed.bits else { throw MPCError.decodingFailed(index: bits.count) }
        return (bits, Array(fresh.prefix(needed.triples)))
    }

    /// Wipes this copy's shares (the caller's copy; see docs/MPC.md "Zeroization").
    public mutating func wipe() {
        zeroize(&bits)
        zeroize(&triples)
        zeroize(&masks)
        zeroize(&messageMasks)
    }
}
