import Algebra
import SecureMemory

/// The one-time key agreement behind PRSS, with guaranteed output for n > 3t:
/// 1. for every subset A of n − t parties, its smallest member draws a 32-byte key and sends it to the other
///    members (round 0; a silent or malformed dealer's key is replaced by a public default);
/// 2. every member sends the SHA3-256 of each key it holds to every party (round 1);
/// 3. each party votes, per subset, whether all members' digests arrived and agree (and match its own key);
///    one Byzantine agreement per subset, run side by side, decides between the dealt key and the public
///    default (rounds 2 …).
/// If two honest members held different keys, every honest party sees both digests and votes no, so by
/// validity the subset falls back to the default; an agreed yes therefore means all honest members hold the
/// same key. The all-honest subset (the one PRSS secrecy rests on) always gets its dealt key: every honest party
/// votes yes. A subset whose dealer or member is corrupt may fall back to the public default, which is harmless
/// since the adversary knows that subset's key anyway (Cramer, Damgård & Ishai, TCC 2005, §3).
public enum PRSSSetup {
    public static func run<G: RandomNumberGenerator>(
        context: PartyContext, session: SessionID, using generator: inout G
    ) async throws -> PRSS {
        let n = context.partyCount, t = context.threshold, me = context.partyID
        let all = PRSS.subsets(partyCount: n, threshold: t)
        // subset index → key, in owned storage wiped when released; temporary arrays are wiped after use, but
        // the dealt keys handed to the network are the network's copies (docs/MPC.md §Zeroization).
        var keys: [Int: SecretBytes] = [:]
        for (index, members) in all.enumerated() where members.first == me {
            var fresh = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            keys[index] = SecretBytes(fresh)
            fresh.zeroize()
        }
        let dealt = keys
        var received = try await context.exchange(session: session, round: 0) { party in
            all.indices.filter { all[$0].first == me && all[$0].contains(party) }.flatMap { dealt[$0]!.withUnsafeBytes { Array($0) } }
        }
        for (index, members) in all.enumerated() where members.contains(me) && members.first != me {
            let dealer = members.first!
            let expected = all.indices.filter { all[$0].first == dealer && all[$0].contains(me) }
            let position = expected.firstIndex(of: index)!
            if let message = received[dealer - 1], message.count == expected.count * 32 {
                keys[index] = SecretBytes(message[(position * 32)..<(position * 32 + 32)])
            } else {
                keys[index] = SecretBytes(defaultKey(subset: index))
            }
        }
        for party in received.indices {
            guard var message = received[party] else { continue }
            received[party] = nil  // `message` is now the only reference, so the wipe reaches its storage
            message.zeroize()
        }
        let held = keys
        let mySubsets = all.indices.filter { all[$0].contains(me) }
        let digests = try await context.broadcast(mySubsets.flatMap { held[$0]!.withUnsafeBytes { SHA3_256.hash($0) } },
                                                  session: session, round: 1)
        // Per subset, the digest each member reported (nil: missing or malformed message).
        var reported = [[Int: [UInt8]]](repeating: [:], count: all.count)
        for party in 1...n {
            let subsets = all.indices.filter { all[$0].contains(party) }
            guard let message = digests[party - 1], message.count == subsets.count * 32 else { continue }
            for (position, index) in subsets.enumerated() {
                reported[index][party] = Array(message[(position * 32)..<(position * 32 + 32)])
            }
        }
        let votes: [Bool] = all.indices.map { index in
            let members = all[index]
            guard let first = reported[index][members[0]] else { return false }
            if let own = held[index], own.withUnsafeBytes({ SHA3_256.hash($0) }) != first { return false }
            return members.allSatisfy { reported[index][$0] == first }
        }
        let agreed = try await ByzantineAgreement.agree(votes, context: context, session: session.child(2))
        let mine = mySubsets.map { agreed[$0] ? keys[$0]! : SecretBytes(defaultKey(subset: $0)) }
        return try PRSS(partyID: me, partyCount: n, threshold: t, keys: mine)
    }

    /// The public key a subset falls back to when its dealer is silent or the members could not agree.
    static func defaultKey(subset index: Int) -> [UInt8] {
        SHA3_256.hash(Array("kms.prss.default.\(index)".utf8))
    }
}
