import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

/// Parties 1…n over one hub on which `faults` (fault, party, round, session) are injected first: faults aimed at
/// single messages, where `runParties` applies an adversary to all of them. Returns the honest parties' outputs.
func runWithFaults<T: Sendable>(
    n: Int, t: Int, corrupt: Set<Int>, faults: [(NetworkFault, party: Int, round: Int?, session: SessionID?)],
    timeout: Duration = .seconds(20), deadline: Duration = .seconds(40), body: @escaping @Sendable (PartyContext, Bool) async throws -> T
) async throws -> [Int: T] {
    let hub = InMemoryHub(partyCount: n)
    for (fault, party, round, session) in faults { await hub.inject(fault, party: party, round: round, session: session) }
    let contexts = try (1...n).map { try PartyContext(network: hub.endpoint($0), threshold: t, timeout: timeout, deadline: deadline) }
    return try await withThrowingTaskGroup(of: (Int, T?).self) { group in
        for context in contexts {
            let isCorrupt = corrupt.contains(context.partyID)
            group.addTask { (context.partyID, isCorrupt ? try? await body(context, true) : try await body(context, false)) }
        }
        return try await group.reduce(into: [Int: T]()) { outputs, pair in
            if !corrupt.contains(pair.0), let output = pair.1 { outputs[pair.0] = output }
        }
    }
}

/// `runParties` for the HIM protocols: each party has its own randomness (deterministic per party) and dispute
/// state, returned with its output, and a corrupt party under `differentValue` makes false complaints (there is
/// no "other value" to deal: every dealer's values are its own).
func runHIMParties<T: Sendable>(
    n: Int, t: Int, adversary: Adversary,
    body: @escaping @Sendable (PartyContext, inout FastSeededGenerator, inout HIMDisputeState, HIMExtraction.Deviation) async throws -> T
) async throws -> [Int: (output: T, disputes: HIMDisputeState)] {
    try await runParties(n: n, t: t, adversary: adversary) { context, isCorrupt in
        var random = FastSeededGenerator(seed: [UInt8(context.partyID)], domain: "test.him")
        var disputes = HIMDisputeState(partyCount: n)
        let output = try await body(context, &random, &disputes, isCorrupt && adversary == .differentValue ? .complain : [])
        return (output, disputes)
    }
}

/// Checks what dispute control found: the same at every honest party, eliminations only of corrupt parties,
/// and a corrupt party in every dispute.
func expectSoundDisputes(_ states: [HIMDisputeState], corrupt: Set<Int>, _ comment: Comment) {
    guard let first = states.first else { return }
    #expect(states.allSatisfy { $0 == first }, comment)
    #expect(Set(first.eliminated).isSubset(of: corrupt), comment)
    #expect(first.disputes.allSatisfy { corrupt.contains($0.0) || corrupt.contains($0.1) }, comment)
}

@Suite struct RandomDoubleSharingsTests {
    /// Honest outputs open to one r at degree t, and their degree-2t shares lie on one polynomial with the same r.
    static func expectDoubleSharings(_ outputs: [Int: [DoubleSharing]], n: Int, t: Int, count: Int, _ comment: Comment) throws {
        #expect(outputs.values.allSatisfy { $0.count == count }, comment)
        for k in 0..<count {
            let low = (1...n).map { outputs[$0].map { [$0[k].degreeT] } }
            let high = (1...n).map { outputs[$0].map { [$0[k].degree2T] } }
            let r = try RobustOpen.decode(columns: low, degree: t, threshold: t, count: 1)[0]
            // Threshold 0: every honest share must lie on the polynomial (no error tolerated).
            let r2 = try RobustOpen.decode(columns: high, degree: 2 * t, threshold: 0, count: 1)[0]
            #expect(r == r2, comment)
        }
    }

    /// Honest parties' outputs are double sharings, whatever the adversary; all honest or silent parties never make
    /// a batch fail (3t + 6 rounds).
    @Test(arguments: [Adversary.allHonest, .silent, .garbage, .equivocating])
    func doubleSharingsAreConsistent(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            let corrupt = Set(adversary.corruptParties(n: n, t: t)), count = n == 13 ? 5 : 9
            let outputs = try await runHIMParties(n: n, t: t, adversary: adversary) { context, random, disputes, _ in
                let sharings = try await RandomDoubleSharings.generate(
                    count: count, context: context, session: SessionID(12), disputes: &disputes, using: &random
                )
                if adversary == .allHonest || adversary == .silent { #expect(context.meter.rounds == 3 * t + 6) }
                return sharings
            }
            #expect(outputs.count == n - corrupt.count, "(\(n),\(t)) \(adversary)")
            try Self.expectDoubleSharings(outputs.mapValues(\.output), n: n, t: t, count: count, "(\(n),\(t)) \(adversary)")
            expectSoundDisputes(outputs.values.map(\.disputes), corrupt: corrupt, "(\(n),\(t)) \(adversary)")
            #expect(outputs.values.allSatisfy { $0.output[0] != $0.output[1] })
        }
    }

    /// Secrecy of a dealing (like `ShamirTests.tSharesRevealNothing`): the shares of t corrupt parties have the
    /// same distribution whatever the secret, also when the dealer is in dispute with some of them (their shares
    /// are then fixed to 0, and the polynomial has fewer free coefficients). Dealer n; corrupt parties 1…t, the
    /// first `disputed` of them in dispute with the dealer.
    @Test(arguments: [(4, 1, 0), (7, 2, 0), (7, 2, 1)])
    func tDealtSharesRevealNothing(n: Int, t: Int, disputed: Int) throws {
        var state = HIMDisputeState(partyCount: n)
        for party in stride(from: 1, through: disputed, by: 1) { state.addDispute(n, party) }
        let context = try PartyContext(network: InMemoryHub(partyCount: n).endpoint(n), threshold: t, timeout: .seconds(1))
        let batch = HIMBatch(context: context, sharings: n - 2 * t, matrix: HyperInvertibleMatrix(size: n), state: state)
        #expect(batch.slots == 1 && batch.coefficientCount(of: n) == t + 1 - disputed)
        var rng = SecureRandom()
        let samples = 8000
        let bitsPerShare = 4 / t
        func histogram(_ secret: FieldElement) throws -> [Int] {
            var counts = [Int](repeating: 0, count: 16)
            for _ in 0..<samples {
                var coefficients = batch.drawCoefficients(using: &rng)
                coefficients[0] = secret  // f(0) = g(0)·V(0) = g(0)
                let shares = (1...n).map { batch.shares(of: coefficients, dealer: n, for: $0)[0] }
                // A dealing is a degree-t sharing of the secret, zero at the disputed parties.
                #expect(try RobustOpen.decode(columns: shares.map { [$0] }, degree: t, threshold: 0, count: 1) == [secret])
                #expect(shares.prefix(disputed).allSatisfy { $0 == .zero })
                var bucket = 0
                for share in shares.prefix(t) { bucket = (bucket << bitsPerShare) | Int(share.value & ((1 << bitsPerShare) - 1)) }
                counts[bucket] += 1
            }
            return counts
        }
        let zero = try histogram(.zero), one = try histogram(.one)
        var chiSquared = 0.0
        for (a, b) in zip(zero, one) where a + b > 0 { chiSquared += Double((a - b) * (a - b)) / Double(a + b) }
        // At most 15 degrees of freedom: P(χ² > 50) ≈ 1e-5.
        #expect(chiSquared < 50, "t dealt shares distinguish the secrets: χ² = \(chiSquared)")
    }
}
