import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

/// PRSS setup under late or lost honest messages (issue 10, 3b): at (4,1) the all-honest subset {1, 2, 3}
/// (party 4 being the one that may be corrupt) must keep a dealt key, never the public default, or party 4
/// would know every PRSS output.
@Suite struct PRSSSetupFaultTests {
    /// Party 1 (dealer of {1, 2, 3}) is late to party 2 in round 0, beyond the fast timeout.
    @Test func lateDealerMessageKeepsTheDealtKey() async throws {
        let keys = try await setupKeys { hub in
            await hub.inject(.delay(.seconds(2)), party: 1, round: 0, to: 2)
        }
        Self.expectDealtAndShared(keys)
    }

    /// Party 1's round-0 message to party 2 is lost.
    @Test func lostDealerMessageKeepsTheDealtKey() async throws {
        let keys = try await setupKeys { hub in
            await hub.inject(.drop, party: 1, round: 0, to: 2)
        }
        Self.expectDealtAndShared(keys)
    }

    /// Party 3 is cut off in round 0 of every attempt (nothing it deals or is dealt arrives): every subset with
    /// it stays incomplete after each member dealt once, and every party throws `setupFailed` (no default key).
    @Test func isolatedPartyMakesTheSetupFail() async throws {
        let results = await runPartiesCollecting(n: 4, t: 1) { hub in
            for party in [1, 2, 4] { await hub.inject(.drop, party: party, round: 0, to: 3) }
            await hub.inject(.drop, party: 3, round: 0)
        } body: { context in
            var rng = SecureRandom()
            return try await PRSSSetup.run(context: context, session: SessionID(51), using: &rng).partyID
        }
        for party in 1...4 {
            #expect(throws: MPCError.self, "party \(party)") { try results[party]!.get() }
            if case .failure(let error) = results[party]!, case .setupFailed = error as? MPCError {} else {
                Issue.record("party \(party): \(results[party]!)")
            }
        }
    }

    /// The all-honest subset's key at parties 1, 2 and 3 (its first subset at each of them).
    private func setupKeys(fault: (InMemoryHub) async -> Void) async throws -> [Int: [UInt8]] {
        let results = await runPartiesCollecting(n: 4, t: 1, setup: fault) { context in
            var rng = SecureRandom()
            let prss = try await PRSSSetup.run(context: context, session: SessionID(50), using: &rng)
            return prss.subsets[0].key.withUnsafeBytes { Array($0) }
        }
        var keys: [Int: [UInt8]] = [:]
        for party in 1...3 { keys[party] = try results[party]!.get() }
        return keys
    }

    private static func expectDealtAndShared(_ keys: [Int: [UInt8]]) {
        for party in 1...3 {
            #expect(keys[party] != PRSSSetup.defaultKey(subset: 0), "party \(party) holds the public default key")
        }
        #expect(Set(keys.values).count == 1, "honest members disagree on the key")
    }
}
