import Algebra
@testable import MPCProtocols
import MPCTestSupport

/// The adversaries every protocol is tested against (issue 3 acceptance).
enum Adversary: String, CaseIterable, CustomStringConvertible {
    case allHonest, silent, garbage, differentValue, equivocating
    var description: String { rawValue }

    /// The corrupt parties: the last t (one for equivocation), none when all are honest.
    func corruptParties(n: Int, t: Int) -> [Int] {
        switch self {
        case .allHonest: []
        case .equivocating: [n]
        default: Array((n - t + 1)...n)
        }
    }
}

let settings: [(n: Int, t: Int)] = [(4, 1), (7, 2)]
/// `settings` plus the (13, 4) smoke test every protocol runs against every adversary (small batches).
let settingsWithSmoke: [(n: Int, t: Int)] = settings + [(13, 4)]

/// Runs `body` for every party over one in-memory hub with the adversary's network faults applied and
/// returns the honest parties' outputs (corrupt parties run the same code over a faulty network, or, for
/// `differentValue`, with inputs the test chooses). Silent parties' messages are dropped, which receivers see
/// at once as expired timeouts; the real timeout is long so that a loaded machine never makes honest late
/// (the deadline is longer still, so the slow path of `PartyContext.gather` is exercised).
func runParties<T: Sendable>(
    n: Int, t: Int, adversary: Adversary, timeout: Duration = .seconds(20), deadline: Duration = .seconds(40),
    body: @escaping @Sendable (PartyContext, Bool) async throws -> T
) async throws -> [Int: T] {
    let hub = InMemoryHub(partyCount: n)
    let corrupt = Set(adversary.corruptParties(n: n, t: t))
    for party in corrupt {
        switch adversary {
        case .silent: await hub.inject(.drop, party: party)
        case .garbage: await hub.inject(.corrupt, party: party)
        case .equivocating: await hub.inject(.equivocate, party: party)
        case .allHonest, .differentValue: break
        }
    }
    return try await withThrowingTaskGroup(of: (Int, T?).self) { group in
        for party in 1...n {
            group.addTask {
                let context = try PartyContext(network: hub.endpoint(party), threshold: t, timeout: timeout, deadline: deadline)
                let isCorrupt = corrupt.contains(party)
                do {
                    let output = try await body(context, isCorrupt)
                    return (party, isCorrupt ? nil : output)
                } catch where isCorrupt {
                    return (party, nil)
                }
            }
        }
        var outputs: [Int: T] = [:]
        for try await (party, output) in group { if let output { outputs[party] = output } }
        return outputs
    }
}

/// PRSS keys dealt by the test (a trusted dealer), so protocol tests do not depend on the setup protocol;
/// `wrong` gives a party keys nobody else has (its shares are then consistent with other values).
func dealtPRSS(party: Int, n: Int, t: Int, wrong: Bool = false) throws -> PRSS {
    let subsets = PRSS.subsets(partyCount: n, threshold: t)
    let keys = subsets.indices.filter { subsets[$0].contains(party) }.map { index in
        SHA3_256.hash(Array("test.prss.\(n).\(t).\(index)\(wrong ? ".wrong.\(party)" : "")".utf8))
    }
    return try PRSS(partyID: party, partyCount: n, threshold: t, keys: keys)
}

