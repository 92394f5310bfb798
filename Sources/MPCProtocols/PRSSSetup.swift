import Algebra
import SecureMemory

/// The one-time key agreement behind PRSS (Cramer, Damgård & Ishai, TCC 2005, §3), with guaranteed output for
/// n > 3t. Per subset A of n − t parties, in attempts k = 0, 1, … (each in a fresh child session, only for the
/// subsets still open):
/// 1. A's k-th member draws a 32-byte key and sends it to the other members (round 0);
/// 2. every member sends the SHA3-256 of the key it holds, or 32 zero bytes for none, to every party (round 1);
/// 3. every party votes two bits per subset, agreed side by side by Byzantine agreement (phase king):
///    "ok" — every member's report that arrived is the same digest, not "none", and matches my own key;
///    "proven" — a member sent a malformed report, or two members reported different digests (a corrupt
///    dealer or member: honest members of an honest dealer hold the same key).
/// Agreed ok: the dealt key. Agreed proven: the public default key — harmless, since only an honest party's
/// proof can make it agreed, so the subset contains a corrupt party, which knows the key anyway. Neither: the
/// subset is merely incomplete (a lost message) and the next member deals. Every round waits up to the
/// deadline, so a late honest message still counts: if two honest members held different keys or one held
/// none, every honest party sees it and votes no, hence an agreed ok means all honest members hold one key,
/// and the all-honest subset (the one PRSS secrecy rests on) never falls back to the public default. A subset
/// still incomplete after every member has dealt throws `MPCError.setupFailed`; the caller retries the whole
/// setup under a new session. Honest case: one attempt, 2 + 3(t + 1) rounds.
public enum PRSSSetup {
    public static func run<G: RandomNumberGenerator>(
        context: PartyContext, session: SessionID, using generator: inout G
    ) async throws -> PRSS {
        let n = context.partyCount, t = context.threshold, me = context.partyID
        let all = PRSS.subsets(partyCount: n, threshold: t)
        var keys: [Int: SecretBytes] = [:]  // agreed keys (subset index → key), owned and wiped when released
        var open = Array(all.indices)
        for attempt in 0..<(n - t) where !open.isEmpty {
            let attemptSession = session.child("deal", UInt64(attempt))
            let held = try await deal(open: open, attempt: attempt, all: all, context: context, session: attemptSession, using: &generator)
            let (ok, proven) = try await judge(open: open, all: all, held: held, context: context, session: attemptSession)
            let agreed = try await ByzantineAgreement.agree(ok + proven, context: context, session: attemptSession.child("agree"))
            var stillOpen: [Int] = []
            for (position, index) in open.enumerated() {
                if agreed[position] {
                    guard all[index].contains(me) else { continue }
                    // Only an honest message lost beyond the deadline (no synchrony) can leave us without it.
                    guard let key = held[index] else { throw MPCError.setupFailed("agreed key of subset \(index) never arrived") }
                    keys[index] = key
                } else if agreed[open.count + position] {
                    if all[index].contains(me) { keys[index] = SecretBytes(defaultKey(subset: index)) }
                } else {
                    stillOpen.append(index)
                }
            }
            open = stillOpen
        }
        guard open.isEmpty else {
            throw MPCError.setupFailed("PRSS subsets \(open) incomplete after every member dealt once")
        }
        let mine = all.indices.filter { all[$0].contains(me) }.map { keys[$0]! }
        return try PRSS(partyID: me, partyCount: n, threshold: t, keys: mine)
    }

    /// Round 0 of an attempt: the keys this party holds for the open subsets it belongs to (its own draws as
    /// the dealer, the dealt ones it received), in owned storage; received messages are wiped after copying.
    private static func deal<G: RandomNumberGenerator>(
        open: [Int], attempt: Int, all: [[Int]], context: PartyContext, session: SessionID, using generator: inout G
    ) async throws -> [Int: SecretBytes] {
        let me = context.partyID
        var held: [Int: SecretBytes] = [:]
        for index in open where all[index][attempt] == me {
            var fresh = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            held[index] = SecretBytes(fresh)
            fresh.zeroize()
        }
        // The dealt keys handed to the network are the network's copies (docs/MPC.md §Zeroization).
        let dealt = held
        var received = try await context.exchangeAll(session: session, round: 0) { party in
            open.filter { all[$0][attempt] == me && all[$0].contains(party) }.flatMap { dealt[$0]!.withUnsafeBytes { Array($0) } }
        }
        for index in open where all[index].contains(me) && all[index][attempt] != me {
            let dealer = all[index][attempt]
            let expected = open.filter { all[$0][attempt] == dealer && all[$0].contains(me) }
            let position = expected.firstIndex(of: index)!
            if let message = received[dealer - 1], message.count == expected.count * 32 {
                held[index] = SecretBytes(message[(position * 32)..<(position * 32 + 32)])
            }
        }
        for party in received.indices {
            guard var message = received[party] else { continue }
            received[party] = nil  // `message` is now the only reference, so the wipe reaches its storage
            message.zeroize()
        }
        return held
    }

    /// Round 1 of an attempt and this party's votes: per open subset, "ok" and "proven" (see the type's doc).
    private static func judge(
        open: [Int], all: [[Int]], held: [Int: SecretBytes], context: PartyContext, session: SessionID
    ) async throws -> (ok: [Bool], proven: [Bool]) {
        let n = context.partyCount, me = context.partyID
        let none = [UInt8](repeating: 0, count: 32)
        let mine = open.filter { all[$0].contains(me) }
        let reports = try await context.broadcastAll(
            mine.flatMap { held[$0]?.withUnsafeBytes { SHA3_256.hash($0) } ?? none }, session: session, round: 1
        )
        // Per open subset, the digest each member reported; members whose report arrived malformed.
        var reported = [Int: [Int: [UInt8]]]()
        var malformed = Set<Int>()
        for party in 1...n {
            let subsets = open.filter { all[$0].contains(party) }
            guard let message = reports[party - 1] else { continue }
            guard message.count == subsets.count * 32 else { malformed.insert(party); continue }
            for (position, index) in subsets.enumerated() {
                reported[index, default: [:]][party] = Array(message[(position * 32)..<(position * 32 + 32)])
            }
        }
        var ok: [Bool] = [], proven: [Bool] = []
        for index in open {
            let members = all[index]
            let digests = Set(members.compactMap { reported[index]?[$0] })
            let real = digests.subtracting([none])
            proven.append(real.count > 1 || members.contains { malformed.contains($0) })
            let own = held[index].map { key in key.withUnsafeBytes { SHA3_256.hash($0) } }
            ok.append(digests.count == 1 && real.count == 1 && (!members.contains(me) || own.map { real.contains($0) } == true))
        }
        return (ok, proven)
    }

    /// The public key a subset falls back to when it is proven to contain a corrupt party.
    static func defaultKey(subset index: Int) -> [UInt8] {
        SHA3_256.hash(Array("kms.prss.default.\(index)".utf8))
    }
}
