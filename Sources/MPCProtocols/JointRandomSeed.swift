import Algebra

/// A joint random seed no coalition of t parties can predict or bias, agreed by all honest parties:
/// the "commit" is a PRSS sharing (fixed by the one-time keys before anyone sees it) and the "reveal" is a
/// robust open, so a party that does not reveal is an erasure and the others finish without it (no abort).
public enum JointRandomSeed {
    /// 32 bytes: SHA3-256 of four opened random field elements.
    public static func generate(prss: PRSS, context: PartyContext, session: SessionID) async throws -> [UInt8] {
        let shares = prss.randomShares(count: 4, session: session.child(1))
        let opened = try await RobustOpen.open(shares, context: context, session: session.child(2))
        return SHA3_256.hash(FieldCoding.encode(opened))
    }
}
