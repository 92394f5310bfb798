import Algebra

/// A context (DESIGN §6): the party set the MPC runs among — ids, peer endpoints, TLS identities — and t.
/// Its id is a RequestId; the context a core builds from its own configuration (the default context) has an
/// id every core derives alike from the party ids, identities and t, so the cores agree on it without talking.
public struct MpcContext: Sendable, Equatable {
    public let id: RequestIdentifier
    public let threshold: Int
    /// Sorted by party id, ids exactly 1…n.
    public let parties: [PeerLinks.Party]

    public var partyCount: Int { parties.count }

    public init(id: RequestIdentifier, threshold: Int, parties: [PeerLinks.Party]) throws(EngineError) {
        let sorted = parties.sorted { $0.partyId < $1.partyId }
        guard !sorted.isEmpty, sorted.map(\.partyId) == Array(1...sorted.count) else {
            throw .invalidArgument("context: party ids must be exactly 1…n, got \(sorted.map(\.partyId))")
        }
        guard threshold >= 1, sorted.count >= 3 * threshold + 1, sorted.count <= 64 else {
            throw .invalidArgument("context: need n ≥ 3t + 1 and n ≤ 64, got n = \(sorted.count), t = \(threshold)")
        }
        self.id = id
        self.threshold = threshold
        self.parties = sorted
    }

    /// The default context of a core's `[threshold]` configuration.
    public static func fromConfiguration(_ threshold: CoreConfiguration.Threshold) throws(EngineError) -> MpcContext {
        let parties = threshold.peers.map { PeerLinks.Party(partyId: $0.partyId, address: $0.address, identity: $0.identity) }
        return try MpcContext(id: defaultIdentifier(threshold: threshold.threshold, parties: parties),
                              threshold: threshold.threshold, parties: parties)
    }

    /// SHA3-256 over a domain separator, t, and each party's id and identity (length-prefixed). Endpoints are
    /// left out: a core that moves to another address stays the same party.
    static func defaultIdentifier(threshold: Int, parties: [PeerLinks.Party]) throws(EngineError) -> RequestIdentifier {
        var input = Array("kms.mpc-context.default.v1".utf8)
        func append(_ value: Int) { withUnsafeBytes(of: UInt32(value).bigEndian) { input.append(contentsOf: $0) } }
        append(threshold)
        append(parties.count)
        for party in parties.sorted(by: { $0.partyId < $1.partyId }) {
            append(party.partyId)
            append(party.identity.utf8.count)
            input.append(contentsOf: party.identity.utf8)
        }
        return try RequestIdentifier(bytes: SHA3_256.hash(input))
    }

    /// The id of the epoch a cluster creates by itself for its default context.
    public var defaultEpochIdentifier: RequestIdentifier {
        // A 32-byte hash always makes a valid id.
        try! RequestIdentifier(bytes: SHA3_256.hash(Array("kms.mpc-epoch.default.v1".utf8) + id.bytes))
    }
}
