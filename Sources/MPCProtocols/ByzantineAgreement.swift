import Algebra

/// Binary Byzantine agreement for n > 3t by the phase-king protocol (Berman, Garay & Perry, "Towards optimal
/// distributed consensus", FOCS 1989): t + 1 phases of three rounds (vote, propose, king). Agreement: all
/// honest parties output the same bit; validity: if all honest parties start with b, they output b.
/// Used to decide together whether a preprocessing batch needs a dispute (see `BeaverTriples`).
public enum ByzantineAgreement {
    public static func agree(_ input: Bool, context: PartyContext, session: SessionID) async throws -> Bool {
        let n = context.partyCount, t = context.threshold
        var value: UInt8 = input ? 1 : 0
        for phase in 0...t {
            let king = phase % n + 1
            // Vote: propose x if n − t parties voted x.
            let votes = try await context.broadcast([value], session: session, round: 3 * phase)
            let proposal = majority(votes, atLeast: n - t) ?? 2
            // Propose: adopt x if t + 1 proposed it (only one non-⊥ x can be proposed by honest parties);
            // confident if n − t proposed it.
            let proposals = try await context.broadcast([proposal], session: session, round: 3 * phase + 1)
            var confident = false
            if let adopted = majority(proposals, atLeast: t + 1) {
                value = adopted
                confident = count(proposals, adopted) >= n - t
            }
            // King: the unconfident adopt the king's value.
            let kingMessage = try await context.exchange(session: session, round: 3 * phase + 2) { _ in
                context.partyID == king ? [value] : []
            }
            if !confident, let kings = kingMessage[king - 1], kings.count == 1, kings[0] <= 1 { value = kings[0] }
        }
        return value == 1
    }

    private static func count(_ messages: [[UInt8]?], _ bit: UInt8) -> Int {
        messages.filter { $0 == [bit] }.count
    }

    /// The bit (0 or 1) received at least `atLeast` times, if any.
    private static func majority(_ messages: [[UInt8]?], atLeast: Int) -> UInt8? {
        for bit: UInt8 in [0, 1] where count(messages, bit) >= atLeast { return bit }
        return nil
    }
}
