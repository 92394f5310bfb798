import Algebra
import Testing
@testable import MPCProtocols

@Suite struct PreprocessingPoolTests {
    /// Three sessions prepared in the background and taken in a party-dependent order: every session's triples
    /// and bits are right whatever t corrupt parties do, and each session's elements are handed out once.
    @Test(arguments: Adversary.allCases)
    func poolHandsOutMatchingTriplesAndBits(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            let sessions = (0..<3).map { SessionID(200 + UInt64($0)) }
            let outputs = try await runParties(n: n, t: t, adversary: adversary) { context, isCorrupt in
                let prss = try dealtPRSS(party: context.partyID, n: n, t: t, wrong: isCorrupt && adversary == .differentValue)
                let pool = PreprocessingPool(prss: prss, context: context, session: SessionID(20))
                for session in sessions { try await pool.prepare(triples: 8, bits: 4, for: session) }
                var taken: [SessionID: PreprocessingPool.Batch] = [:]
                let order = context.partyID % 2 == 0 ? sessions : sessions.reversed()
                for session in order { taken[session] = try await pool.take(triples: 8, bits: 4, for: session) }
                await #expect(throws: MPCError.self, "a session's elements are handed out once") {
                    try await pool.take(triples: 8, bits: 4, for: sessions[0])
                }
                #expect(await pool.batchesProduced == 3)
                await pool.stop()
                #expect(await pool.preparedSessions == 0)
                if adversary == .garbage && !isCorrupt {
                    #expect(await pool.excluded == Set(adversary.corruptParties(n: n, t: t)), "cheaters excluded for good")
                }
                return taken
            }
            let honest = outputs.keys.sorted()
            #expect(honest.count == n - adversary.corruptParties(n: n, t: t).count)
            for session in sessions {
                let batches = honest.map { outputs[$0]![session]! }
                for k in 0..<8 {
                    func open(_ component: (BeaverTriple) -> FieldElement) throws -> FieldElement {
                        try Shamir.reconstruct(zip(honest, batches).map { ($0, component($1.triples[k])) }, threshold: t)
                    }
                    #expect(try open(\.a) * open(\.b) == open(\.c), "(\(n),\(t)) \(adversary)")
                }
                for k in 0..<4 {
                    let bit = try Shamir.reconstruct(zip(honest, batches).map { ($0, $1.bits[k]) }, threshold: t)
                    #expect(bit == .zero || bit == .one)
                }
            }
        }
    }
}
