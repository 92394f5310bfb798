import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

@Suite struct DoubleSharingTriplesTests {
    /// Every triple opens (honest shares only, exact decoding at degree t) to a, b, c with c = a·b.
    static func expectTriples(_ outputs: [Int: [BeaverTriple]], n: Int, t: Int, count: Int, _ comment: Comment) throws {
        #expect(outputs.values.allSatisfy { $0.count == count }, comment)
        for k in 0..<count {
            func open(_ component: (BeaverTriple) -> FieldElement) throws -> FieldElement {
                try RobustOpen.decode(columns: (1...n).map { outputs[$0].map { [component($0[k])] } }, degree: t, threshold: t, count: 1)[0]
            }
            let a = try open(\.a), b = try open(\.b), c = try open(\.c)
            #expect(a * b == c, "\(comment) triple \(k)")
        }
    }

    /// Honest case: correct triples, 3t + 7 rounds, and no disputes.
    @Test(arguments: [(4, 1), (7, 2), (13, 4)])
    func triplesAreCorrect(n: Int, t: Int) async throws {
        let count = n == 13 ? 6 : 40
        let outputs = try await runHIMParties(n: n, t: t, adversary: .allHonest) { context, random, disputes, _ in
            let triples = try await DoubleSharingTriples.generate(
                count: count, context: context, session: SessionID(21), disputes: &disputes, using: &random
            )
            #expect(context.meter.rounds == 3 * t + 7)
            return triples
        }
        #expect(outputs.values.allSatisfy { $0.disputes == HIMDisputeState(partyCount: n) })
        #expect(outputs.count == n)
        try Self.expectTriples(outputs.mapValues(\.output), n: n, t: t, count: count, "(\(n),\(t))")
        #expect(Set(outputs[1]!.output.map(\.a)).count == count, "fresh a per triple")
    }

    /// Whatever t corrupt parties do, the honest parties get the same correct triples and agree on what dispute
    /// control found. `differentValue` here stands for false complaints (a corrupt checker that always complains).
    /// Triples with extra random sharings from the same extraction: the triples are correct, every random value
    /// opens exactly at degree t (so its shares lie on one degree-t polynomial) and the values are fresh; under
    /// every adversary the honest parties' shares still agree. The rounds are those of triples alone.
    @Test(arguments: Adversary.allCases)
    func randomsComeWithTheTriples(adversary: Adversary) async throws {
        for (n, t) in settings {
            let corrupt = Set(adversary.corruptParties(n: n, t: t))
            let (count, randoms) = (9, 23)
            let outputs = try await runHIMParties(n: n, t: t, adversary: adversary) { context, random, disputes, deviation in
                let made = try await DoubleSharingTriples.generate(
                    count: count, randoms: randoms, context: context, session: SessionID(26), disputes: &disputes,
                    using: &random, deviation: deviation
                )
                return (made.triples, made.randoms, context.meter.rounds)
            }
            let comment: Comment = "(\(n),\(t)) \(adversary)"
            #expect(outputs.count == n - corrupt.count, comment)
            try Self.expectTriples(outputs.mapValues(\.output.0), n: n, t: t, count: count, comment)
            #expect(outputs.values.allSatisfy { $0.output.1.count == randoms }, comment)
            if adversary == .allHonest { #expect(outputs.values.allSatisfy { $0.output.2 == 3 * t + 7 }, comment) }
            // The honest parties' shares decode exactly: n − t shares on one degree-t polynomial, no error.
            let honest = (1...n).filter { !corrupt.contains($0) }
            var values: [FieldElement] = []
            for k in 0..<randoms {
                let columns = (1...n).map { party in outputs[party].map { [$0.output.1[k]] } }
                let decoded = try RobustOpen.decode(columns: columns, degree: t, threshold: t, count: 1)[0]
                let fromFirst = try Shamir.reconstruct(honest.prefix(t + 1).map { ($0, outputs[$0]!.output.1[k]) }, threshold: t)
                let fromLast = try Shamir.reconstruct(honest.suffix(t + 1).map { ($0, outputs[$0]!.output.1[k]) }, threshold: t)
                #expect(decoded == fromFirst && fromFirst == fromLast, "\(comment) random \(k)")
                values.append(decoded)
            }
            #expect(Set(values).count == randoms, "\(comment): fresh values")
            let triplesA = Set(outputs[honest[0]]!.output.0.map(\.a))
            #expect(triplesA.isDisjoint(with: outputs[honest[0]]!.output.1), "\(comment): randoms are not the triples' shares")
        }
    }

    @Test(arguments: Adversary.allCases)
    func triplesAreCorrectUnderAdversary(adversary: Adversary) async throws {
        for (n, t) in settings {
            let corrupt = Set(adversary.corruptParties(n: n, t: t))
            let outputs = try await runHIMParties(n: n, t: t, adversary: adversary) { context, random, disputes, deviation in
                try await DoubleSharingTriples.generate(
                    count: 10, context: context, session: SessionID(22), disputes: &disputes, using: &random, deviation: deviation
                )
            }
            let comment: Comment = "(\(n),\(t)) \(adversary)"
            #expect(outputs.count == n - corrupt.count, comment)
            try Self.expectTriples(outputs.mapValues(\.output), n: n, t: t, count: 10, comment)
            expectSoundDisputes(outputs.values.map(\.disputes), corrupt: corrupt, comment)
            if adversary == .differentValue {
                // Complaints with nothing behind them: the complainers are eliminated for good.
                #expect(outputs.values.allSatisfy { Set($0.disputes.eliminated) == corrupt }, comment)
            }
        }
    }

    /// Faults aimed at single messages of the first attempt, then a second batch with the findings carried over:
    /// a wrong message leaves a lasting dispute, so the second batch needs no fault localization (3t + 7 rounds).
    /// Kinds: garbage dealings (the reveal afterwards is honest, so the receivers' accusations are agreed),
    /// equivocated dealings, and garbage check values and masked products (reported by their receivers).
    @Test(arguments: [(NetworkFault.corrupt, 0), (.equivocate, 0), (.corrupt, 1)])
    func targetedFaultsLeaveLastingDisputes(fault: NetworkFault, round: Int) async throws {
        for (n, t) in settings {
            let corrupt = Set((n - t + 1)...n)
            let firstAttempt = SessionID(23).child("attempt", 0)
            let outputs = try await runWithFaults(
                n: n, t: t, corrupt: corrupt, faults: corrupt.map { (fault, party: $0, round: round, session: firstAttempt) }
            ) { context, _ in
                var rng = FastSeededGenerator(seed: [UInt8(context.partyID)], domain: "test.him")
                var disputes = HIMDisputeState(partyCount: n)
                let first = try await DoubleSharingTriples.generate(
                    count: 8, context: context, session: SessionID(23), disputes: &disputes, using: &rng
                )
                let roundsBefore = context.meter.rounds
                let second = try await DoubleSharingTriples.generate(
                    count: 8, context: context, session: SessionID(24), disputes: &disputes, using: &rng
                )
                return (first + second, disputes, context.meter.rounds - roundsBefore)
            }
            let comment: Comment = "(\(n),\(t)) \(fault) in round \(round)"
            #expect(outputs.count == n - t, comment)
            try Self.expectTriples(outputs.mapValues(\.0), n: n, t: t, count: 16, comment)
            expectSoundDisputes(outputs.values.map(\.1), corrupt: corrupt, comment)
            #expect(outputs.values.allSatisfy { !$0.1.disputes.isEmpty || !$0.1.eliminated.isEmpty }, comment)
            #expect(outputs.values.allSatisfy { $0.2 == 3 * t + 7 }, comment)
        }
    }

    /// What dispute control finds in one batch carries over: against every adversary the second batch needs no
    /// fault localization (3t + 7 rounds). Garbage and equivocating dealers are eliminated or disputed for good;
    /// silent parties never make a batch fail (the missing are not awaited past the deadline again in the open).
    @Test(arguments: Adversary.allCases)
    func findingsCarryOverToTheNextBatch(adversary: Adversary) async throws {
        for (n, t) in settings {
            let outputs = try await runHIMParties(n: n, t: t, adversary: adversary) { context, random, disputes, deviation in
                var rounds = [Int]()
                for batch in 0..<2 {
                    let before = context.meter.rounds
                    _ = try await DoubleSharingTriples.generate(
                        count: 6, context: context, session: SessionID(25).child(UInt64(batch)), disputes: &disputes,
                        using: &random, deviation: deviation
                    )
                    rounds.append(context.meter.rounds - before)
                }
                return rounds
            }.mapValues(\.output)
            #expect(outputs.values.allSatisfy { $0[1] == 3 * t + 7 }, "(\(n),\(t)) \(adversary): \(outputs)")
            if adversary == .allHonest || adversary == .silent {
                #expect(outputs.values.allSatisfy { $0[0] == 3 * t + 7 }, "(\(n),\(t)) \(adversary): \(outputs)")
            }
        }
    }

    /// A slow honest party (its messages later than the fast timeout, well within the deadline) is awaited, not
    /// blamed: the same correct triples, no dispute, no failed attempt (DESIGN §3.3: slow is not corrupt).
    @Test func slowHonestPartyIsAwaitedNotBlamed() async throws {
        let (n, t) = (4, 1)
        let outputs = try await runWithFaults(
            n: n, t: t, corrupt: [], faults: [(.delay(.milliseconds(60)), party: 2, round: nil, session: nil)],
            timeout: .milliseconds(20), deadline: .seconds(20)
        ) { context, _ in
            var random = FastSeededGenerator(seed: [UInt8(context.partyID)], domain: "test.him.slow")
            var disputes = HIMDisputeState(partyCount: n)
            let triples = try await DoubleSharingTriples.generate(
                count: 5, context: context, session: SessionID(26), disputes: &disputes, using: &random
            )
            return (triples, disputes, context.meter.rounds)
        }
        #expect(outputs.count == n)
        try Self.expectTriples(outputs.mapValues(\.0), n: n, t: t, count: 5, "slow party 2")
        #expect(outputs.values.allSatisfy { $0.1 == HIMDisputeState(partyCount: n) && $0.2 == 3 * t + 7 })
    }

    @Test func selectionKeepsPRSSWhereItMeasuresFaster() {
        #expect(TripleGenerator.preferred(partyCount: 4, threshold: 1) == .prss)
        #expect(TripleGenerator.preferred(partyCount: 13, threshold: 4) == .hyperInvertible)
    }
}
