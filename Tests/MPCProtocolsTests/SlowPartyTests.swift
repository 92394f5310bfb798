import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

/// A slow honest party is not a corrupt one: its lateness must not shrink the error budget (issue 10, 3c).
@Suite struct SlowPartyTests {
    /// (4,1), degree t: honest parties 2 and 3 are late beyond the fast timeout, party 4 sends shares of other
    /// values. Party 1 must not accept the two shares it has (its own and the corrupt one) unchecked.
    @Test func robustOpenWaitsForSlowHonestParties() async throws {
        let (n, t) = (4, 1)
        var rng = SeededGenerator(seed: [3], domain: "test.slow.open")
        let secrets = (0..<6).map { _ in FieldElement.random(using: &rng) }
        let shares = secrets.map { Shamir.share($0, threshold: t, partyCount: n, using: &rng) }
        let fakes = secrets.map { Shamir.share($0 + .one, threshold: t, partyCount: n, using: &rng) }
        let results = await runPartiesCollecting(n: n, t: t) { hub in
            for slow in [2, 3] { await hub.inject(.delay(.seconds(2)), party: slow, round: 0) }
        } body: { context in
            let me = context.partyID
            return try await RobustOpen.open((me == 4 ? fakes : shares).map { $0[me - 1] }, context: context, session: SessionID(70))
        }
        for party in 1...3 {
            #expect(try results[party]!.get() == secrets, "party \(party)")
        }
    }

    /// (4,1), degree 2t (the triples' open): honest party 3 is late, party 4 holds other PRSS keys (its shares
    /// are of other values). Every honest party must end with correct triples (c = ab).
    @Test func triplesWaitForASlowHonestParty() async throws {
        let (n, t) = (4, 1)
        let count = 8
        let results = await runPartiesCollecting(n: n, t: t) { hub in
            await hub.inject(.delay(.seconds(2)), party: 3, round: 0)
        } body: { context in
            let me = context.partyID
            let prss = try dealtPRSS(party: me, n: n, t: t, wrong: me == 4)
            return try await BeaverTriples.generate(count: count, prss: prss, context: context, session: SessionID(71))
        }
        var outputs: [Int: [BeaverTriple]] = [:]
        for party in 1...3 { outputs[party] = try results[party]!.get() }
        for k in 0..<count {
            func open(_ component: (BeaverTriple) -> FieldElement) throws -> FieldElement {
                try Shamir.reconstruct((1...3).map { ($0, component(outputs[$0]![k])) }, threshold: t)
            }
            #expect(try open(\.a) * open(\.b) == open(\.c), "triple \(k)")
        }
    }

    /// A party whose message was only late is not excluded for good; the party that sent wrong shares is.
    @Test func onlyWrongSharesExcludeForGood() async throws {
        let (n, t) = (4, 1)
        let results = await runPartiesCollecting(n: n, t: t) { hub in
            await hub.inject(.delay(.seconds(2)), party: 3, round: 0)
        } body: { context in
            let me = context.partyID
            let prss = try dealtPRSS(party: me, n: n, t: t, wrong: me == 4)
            var excluded = Set<Int>()
            _ = try await BeaverTriples.generate(count: 4, prss: prss, context: context, session: SessionID(72), excluded: &excluded)
            return excluded
        }
        for party in 1...3 {
            #expect(try results[party]!.get() == [4], "party \(party)")
        }
    }

    /// With a fast timeout far below the network's latency every round takes the slow path (accepting on what
    /// has arrived when it proves the result, else waiting up to the deadline): outputs stay right against
    /// every adversary.
    @Test(arguments: Adversary.allCases)
    func tinyFastTimeoutKeepsOutputsRight(adversary: Adversary) async throws {
        for (n, t) in settings {
            let outputs = try await runParties(n: n, t: t, adversary: adversary, timeout: .microseconds(1), deadline: .seconds(30)) {
                context, isCorrupt in
                var rng = SecureRandom()
                let setup = try await PRSSSetup.run(context: context, session: SessionID(80), using: &rng)
                let prss = try dealtPRSS(party: context.partyID, n: n, t: t, wrong: isCorrupt && adversary == .differentValue)
                let triples = try await BeaverTriples.generate(count: 6, prss: prss, context: context, session: SessionID(81))
                let opened = try await RobustOpen.open(triples.map(\.a), context: context, session: SessionID(82))
                return (setup.randomShares(count: 4, session: SessionID(83)), triples, opened)
            }
            let label = "(\(n),\(t)) \(adversary)"
            #expect(outputs.count == n - adversary.corruptParties(n: n, t: t).count, "\(label)")
            PRSSTests.expectConsistent(outputs.mapValues(\.0), n: n, t: t, label)
            let honest = outputs.keys.sorted()
            for k in 0..<6 {
                func open(_ component: (BeaverTriple) -> FieldElement) throws -> FieldElement {
                    try RobustOpen.decode(columns: (1...n).map { outputs[$0].map { [component($0.1[k])] } }, degree: t, threshold: t, count: 1)[0]
                }
                #expect(try open(\.a) * open(\.b) == open(\.c), "\(label) triple \(k)")
                #expect(try honest.allSatisfy { outputs[$0]!.2[k] == (try open(\.a)) }, "\(label) open \(k)")
            }
        }
    }
}

/// Runs `body` for every party over one hub prepared by `setup`, with a short fast timeout and a long deadline,
/// and returns every party's result (errors included), so a test can tell a wrong value from a failure.
func runPartiesCollecting<T: Sendable>(
    n: Int, t: Int, timeout: Duration = .milliseconds(500), deadline: Duration = .seconds(30),
    setup: (InMemoryHub) async -> Void,
    body: @escaping @Sendable (PartyContext) async throws -> T
) async -> [Int: Result<T, any Error>] {
    let hub = InMemoryHub(partyCount: n)
    await setup(hub)
    return await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
        for party in 1...n {
            group.addTask {
                do {
                    let context = try PartyContext(network: hub.endpoint(party), threshold: t, timeout: timeout, deadline: deadline)
                    return (party, .success(try await body(context)))
                } catch {
                    return (party, .failure(error))
                }
            }
        }
        var results: [Int: Result<T, any Error>] = [:]
        for await (party, result) in group { results[party] = result }
        return results
    }
}
