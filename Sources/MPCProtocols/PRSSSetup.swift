import Algebra

/// The one-time key agreement behind PRSS: for every subset A of n − t parties, its smallest member draws a
/// 32-byte key and sends it to the other members (round 0); then every member sends the SHA3-256 of each key it
/// holds to the other members of that subset (round 1) and checks they agree. A silent or malformed dealer's
/// key is replaced by a public default (the dealer is corrupt, so that subset's key is known to the adversary
/// anyway and secrecy rests on the all-honest subset); a mismatch (equivocation) fails the setup, which the
/// operator reruns: it is not guaranteed-output (docs/MPC.md).
public enum PRSSSetup {
    public static func run<G: RandomNumberGenerator>(
        context: PartyContext, session: SessionID, using generator: inout G
    ) async throws -> PRSS {
        let n = context.partyCount, t = context.threshold, me = context.partyID
        let all = PRSS.subsets(partyCount: n, threshold: t)
        var keys: [Int: [UInt8]] = [:]  // subset index → key
        for (index, members) in all.enumerated() where members.first == me {
            keys[index] = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }
        let dealt = keys
        let received = try await context.exchange(session: session, round: 0) { party in
            all.indices.filter { all[$0].first == me && all[$0].contains(party) }.flatMap { dealt[$0]! }
        }
        for (index, members) in all.enumerated() where members.contains(me) && members.first != me {
            let dealer = members.first!
            let expected = all.indices.filter { all[$0].first == dealer && all[$0].contains(me) }
            let position = expected.firstIndex(of: index)!
            if let message = received[dealer - 1], message.count == expected.count * 32 {
                keys[index] = Array(message[(position * 32)..<(position * 32 + 32)])
            } else {
                keys[index] = SHA3_256.hash(Array("kms.prss.default.\(index)".utf8))
            }
        }
        let held = keys
        let digests = try await context.exchange(session: session, round: 1) { party in
            all.indices.filter { all[$0].contains(me) && all[$0].contains(party) }.flatMap { SHA3_256.hash(held[$0]!) }
        }
        for party in 1...n where party != me {
            let shared = all.indices.filter { all[$0].contains(me) && all[$0].contains(party) }
            guard let message = digests[party - 1], message.count == shared.count * 32 else { continue }
            for (position, index) in shared.enumerated()
            where Array(message[(position * 32)..<(position * 32 + 32)]) != SHA3_256.hash(held[index]!) {
                // A silent dealer's default key is public: only a dealer that equivocated reaches here.
                throw MPCError.setupInconsistent("party \(party) holds a different key for subset \(all[index])")
            }
        }
        let mine = all.indices.filter { all[$0].contains(me) }.map { keys[$0]! }
        return try PRSS(partyID: me, partyCount: n, threshold: t, keys: mine)
    }
}
