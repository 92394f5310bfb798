import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

@Suite struct PRSSTests {
    @Test(arguments: [(4, 1), (7, 2), (13, 4)])
    func randomZeroAndMaskSharingsAreConsistent(n: Int, t: Int) throws {
        let parties = try (1...n).map { try dealtPRSS(party: $0, n: n, t: t) }
        let session = SessionID(42)
        let random = parties.map { $0.randomShares(count: 8, session: session) }
        let zero = parties.map { $0.zeroShares(count: 8, session: session) }
        let bound: UInt64 = 1 << 20
        let mask = parties.map { $0.maskShares(count: 50, bound: bound, session: session) }
        let randomValues = try #require(exactDecode(random, degree: t))
        #expect(Set(randomValues).count == 8)  // distinct random values
        #expect(exactDecode(random, degree: t - 1) == nil || t == 0)  // really of degree t
        #expect(try #require(exactDecode(zero, degree: 2 * t)).allSatisfy { $0 == .zero })
        let subsetCount = UInt64(PRSS.subsets(partyCount: n, threshold: t).count)
        let masks = try #require(exactDecode(mask, degree: t))
        for value in masks {
            let magnitude = min(value.value, FieldElement.modulus - value.value)
            #expect(magnitude <= subsetCount * bound)
        }
        #expect(masks.contains { min($0.value, FieldElement.modulus - $0.value) > bound / 4 })
        // Another session gives other values.
        let other = try #require(exactDecode(parties.map { $0.randomShares(count: 8, session: SessionID(43)) }, degree: t))
        #expect(other != randomValues)
    }

    @Test(arguments: [Adversary.allHonest, .silent])
    func setupGivesConsistentKeys(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            let outputs = try await runParties(n: n, t: t, adversary: adversary, timeout: .seconds(20)) { context, _ in
                var rng = SecureRandom()
                let prss = try await PRSSSetup.run(context: context, session: SessionID(7), using: &rng)
                return (prss.randomShares(count: 4, session: SessionID(1)), context.meter.rounds)
            }
            #expect(outputs.count == n - adversary.corruptParties(n: n, t: t).count)
            #expect(outputs.values.allSatisfy { $0.1 == 2 })
            // Honest parties' shares lie on one degree-t polynomial (≥ 2t + 1 points, checked by decoding).
            let columns: [[FieldElement]?] = (1...n).map { outputs[$0]?.0 }
            #expect((try? RobustOpen.decode(columns: columns, degree: t, threshold: t, count: 4)) != nil)
        }
    }

    /// Garbage keys and digests from t corrupt parties are detected by every honest party (the setup fails with
    /// `setupInconsistent` and is rerun: detection, not correction — docs/MPC.md), at (4, 1) and (13, 4).
    @Test(arguments: [(4, 1), (13, 4)])
    func setupDetectsGarbage(n: Int, t: Int) async throws {
        let outputs = try await runParties(n: n, t: t, adversary: .garbage) { context, _ in
            var rng = SecureRandom()
            do {
                _ = try await PRSSSetup.run(context: context, session: SessionID(9), using: &rng)
                return false
            } catch MPCError.setupInconsistent {
                return true
            }
        }
        #expect(outputs.count == n - t)
        #expect(outputs.values.allSatisfy { $0 }, "every honest party must detect the garbage at (\(n),\(t))")
    }

    /// An equivocating dealer (party 1, other keys to even parties) is detected, at (4, 1) and at (13, 4).
    @Test(arguments: [(4, 1), (13, 4)])
    func setupDetectsAnEquivocatingDealer(n: Int, t: Int) async throws {
        let hub = InMemoryHub(partyCount: n)
        await hub.inject(.equivocate, party: 1, round: 0)
        let results = await withTaskGroup(of: Bool.self) { group in
            for party in 2...n {
                group.addTask {
                    var rng = SecureRandom()
                    let context = try! PartyContext(network: hub.endpoint(party), threshold: t, timeout: .seconds(20))
                    return (try? await PRSSSetup.run(context: context, session: SessionID(8), using: &rng)) == nil
                }
            }
            group.addTask {
                var rng = SecureRandom()
                let context = try! PartyContext(network: hub.endpoint(1), threshold: t, timeout: .seconds(20))
                _ = try? await PRSSSetup.run(context: context, session: SessionID(8), using: &rng)
                return false
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.contains(true), "some honest party must detect the equivocation at (\(n),\(t))")
    }
}

/// Values of sharings whose n shares all lie on polynomials of the given degree, else nil.
func exactDecode(_ sharesByParty: [[FieldElement]], degree: Int) -> [FieldElement]? {
    let n = sharesByParty.count
    let count = sharesByParty[0].count
    let xs = (1...n).map { FieldElement(UInt64($0)) }
    var values = [FieldElement]()
    for index in 0..<count {
        let ys = sharesByParty.map { $0[index] }
        let polynomial = Polynomial.interpolate(xs: Array(xs.prefix(degree + 1)), ys: Array(ys.prefix(degree + 1)))
        guard zip(xs, ys).allSatisfy({ polynomial.evaluate(at: $0) == $1 }) else { return nil }
        values.append(polynomial.evaluate(at: .zero))
    }
    return values
}
