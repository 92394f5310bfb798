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

    /// The bulk bounded draw of `maskShares` is the standard library's `next(upperBound:)` read word by word (the
    /// same multiply-and-reject on the same stream): equal sums for random bounds from 0 to 2^62 − 1, weights and
    /// lengths across the 1,024-word chunks; and every draw stays within [−bound, bound].
    @Test func boundedDrawsMatchTheStandardLibrary() {
        var random = SeededGenerator(seed: [7], domain: "test.prss.bounded")
        for run in 0..<300 {
            let bound: UInt64 = switch run % 4 {
            case 0: UInt64.random(in: 0...16, using: &random)
            case 1: UInt64.random(in: 0..<(1 << 62), using: &random)
            case 2: (1 << UInt64.random(in: 1...61, using: &random)) - 1  // width 2^k − 1: many rejections in theory
            default: UInt64.random(in: (1 << 61)..<(1 << 62), using: &random)  // width near 2^63: rejections common
            }
            let count = Int.random(in: 1...2_500, using: &random)
            let weight = FieldElement.random(using: &random)
            let seed = (0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }
            var bulk = [FieldElement](repeating: .zero, count: count)
            var stream = FastSeededGenerator(seed: seed, domain: "test.bounded")
            bulk.withUnsafeMutableBufferPointer { PRSS.accumulateBounded(into: $0, bound: bound, weight: .one, generator: &stream) }
            var weighted = [FieldElement](repeating: .zero, count: count)
            stream = FastSeededGenerator(seed: seed, domain: "test.bounded")
            weighted.withUnsafeMutableBufferPointer { PRSS.accumulateBounded(into: $0, bound: bound, weight: weight, generator: &stream) }
            var reference = FastSeededGenerator(seed: seed, domain: "test.bounded")
            let draws = (0..<count).map { _ in FieldElement(reference.next(upperBound: 2 * bound + 1)) - FieldElement(bound) }
            #expect(bulk == draws, "run \(run): bound \(bound), \(count) draws")
            #expect(weighted == draws.map { weight * $0 }, "run \(run)")
            #expect(bulk.allSatisfy { min($0.value, FieldElement.modulus - $0.value) <= bound }, "run \(run)")
        }
    }

    /// Guaranteed output: against every adversary the honest parties' PRSS sharings lie on one degree-t
    /// polynomial; the setup takes 2 rounds plus the 3(t + 1) of the side-by-side agreements.
    @Test(arguments: Adversary.allCases)
    func setupGivesConsistentKeys(adversary: Adversary) async throws {
        for (n, t) in settingsWithSmoke {
            let outputs = try await runParties(n: n, t: t, adversary: adversary, timeout: .seconds(20)) { context, _ in
                var rng = SecureRandom()
                let prss = try await PRSSSetup.run(context: context, session: SessionID(7), using: &rng)
                return (prss.randomShares(count: 4, session: SessionID(1)), context.meter.rounds)
            }
            #expect(outputs.count == n - adversary.corruptParties(n: n, t: t).count)
            #expect(outputs.values.allSatisfy { $0.1 == 2 + 3 * (t + 1) })
            Self.expectConsistent(outputs.mapValues { $0.0 }, n: n, t: t, "\(adversary) at (\(n),\(t))")
        }
    }

    /// An equivocating dealer (party 1 sends other keys to even parties) cannot split the honest parties: the
    /// subsets it deals fall back to the public default, and every honest party ends with consistent keys.
    @Test(arguments: settingsWithSmoke.map { [$0.n, $0.t] })
    func setupSurvivesAnEquivocatingDealer(setting: [Int]) async throws {
        let n = setting[0], t = setting[1]
        let hub = InMemoryHub(partyCount: n)
        await hub.inject(.equivocate, party: 1, round: 0)
        let outputs = try await withThrowingTaskGroup(of: (Int, [FieldElement]?).self) { group in
            for party in 1...n {
                group.addTask {
                    var rng = SecureRandom()
                    let context = try PartyContext(network: hub.endpoint(party), threshold: t, timeout: .seconds(20))
                    let prss = try await PRSSSetup.run(context: context, session: SessionID(8), using: &rng)
                    return (party, party == 1 ? nil : prss.randomShares(count: 4, session: SessionID(2)))
                }
            }
            var outputs: [Int: [FieldElement]] = [:]
            for try await (party, shares) in group { if let shares { outputs[party] = shares } }
            return outputs
        }
        #expect(outputs.count == n - 1)
        Self.expectConsistent(outputs, n: n, t: t, "equivocating dealer at (\(n),\(t))")
    }

    /// Secrecy survives faults: the all-honest subset keeps its dealt random key, so the PRSS values differ from
    /// those of the public default keys that faulty subsets fall back to.
    @Test(arguments: [(4, 1), (13, 4)])
    func allHonestSubsetKeepsItsDealtKey(n: Int, t: Int) async throws {
        let outputs = try await runParties(n: n, t: t, adversary: .garbage) { context, _ in
            var rng = SecureRandom()
            let prss = try await PRSSSetup.run(context: context, session: SessionID(9), using: &rng)
            return prss.randomShares(count: 4, session: SessionID(3))
        }
        let subsets = PRSS.subsets(partyCount: n, threshold: t)
        let defaults = try (1...n).map { party in
            try PRSS(partyID: party, partyCount: n, threshold: t,
                     keys: subsets.indices.filter { subsets[$0].contains(party) }.map { PRSSSetup.defaultKey(subset: $0) })
        }
        let publicValues = try #require(exactDecode(defaults.map { $0.randomShares(count: 4, session: SessionID(3)) }, degree: t))
        let columns: [[FieldElement]?] = (1...n).map { outputs[$0] }
        let values = try RobustOpen.decode(columns: columns, degree: t, threshold: t, count: 4)
        #expect(values != publicValues)
    }

    static func expectConsistent(_ outputs: [Int: [FieldElement]], n: Int, t: Int, _ label: String) {
        // Honest parties' shares lie on one degree-t polynomial (≥ 2t + 1 points, checked by decoding).
        let columns: [[FieldElement]?] = (1...n).map { outputs[$0] }
        #expect((try? RobustOpen.decode(columns: columns, degree: t, threshold: t, count: 4)) != nil, "\(label)")
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
