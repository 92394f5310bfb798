import Algebra

/// Binary Byzantine agreement for n > 3t by the phase-king protocol (Berman, Garay & Perry, "Towards optimal
/// distributed consensus", FOCS 1989): t + 1 phases of three rounds (vote, propose, king). Agreement: all
/// honest parties output the same bit; validity: if all honest parties start with b, they output b.
/// Used to decide together whether a preprocessing batch needs a dispute (see `BeaverTriples`). Phase king
/// assumes a synchronous network (every honest message counted), so each round waits up to the deadline.
public enum ByzantineAgreement {
    public static func agree(_ input: Bool, context: PartyContext, session: SessionID) async throws -> Bool {
        try await agree([input], context: context, session: session)[0]
    }

    /// `inputs.count` independent agreements run side by side in the same 3(t + 1) rounds (one byte per bit
    /// per message); every party must pass the same count. A message of another length counts as missing.
    public static func agree(_ inputs: [Bool], context: PartyContext, session: SessionID) async throws -> [Bool] {
        let n = context.partyCount, t = context.threshold, m = inputs.count
        var values: [UInt8] = inputs.map { $0 ? 1 : 0 }
        for phase in 0...t {
            let king = phase % n + 1
            // Vote: propose x if n − t parties voted x.
            let votes = try await context.broadcastAll(values, session: session, round: 3 * phase).map { $0?.count == m ? $0 : nil }
            let proposals: [UInt8] = (0..<m).map { majority(votes, index: $0, atLeast: n - t) ?? 2 }
            // Propose: adopt x if t + 1 proposed it (only one non-⊥ x can be proposed by honest parties);
            // confident if n − t proposed it.
            let received = try await context.broadcastAll(proposals, session: session, round: 3 * phase + 1).map { $0?.count == m ? $0 : nil }
            var confident = [Bool](repeating: false, count: m)
            for index in 0..<m {
                if let adopted = majority(received, index: index, atLeast: t + 1) {
                    values[index] = adopted
                    confident[index] = count(received, index: index, adopted) >= n - t
                }
            }
            // King: the unconfident adopt the king's value.
            let kingMessage = try await context.gather(
                session: session, round: 3 * phase + 2, payloads: { _ in context.partyID == king ? values : [] }
            ) { $0[king - 1].map { _ in true } }.messages
            if let kings = kingMessage[king - 1], kings.count == m {
                for index in 0..<m where !confident[index] && kings[index] <= 1 { values[index] = kings[index] }
            }
        }
        return values.map { $0 == 1 }
    }

    private static func count(_ messages: [[UInt8]?], index: Int, _ bit: UInt8) -> Int {
        messages.filter { $0?[index] == bit }.count
    }

    /// The bit (0 or 1) received at least `atLeast` times at `index`, if any.
    private static func majority(_ messages: [[UInt8]?], index: Int, atLeast: Int) -> UInt8? {
        for bit: UInt8 in [0, 1] where count(messages, index: index, bit) >= atLeast { return bit }
        return nil
    }
}
