import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

/// `PartyContext.fromLeader`: the leader's payload reaches every party in n − 1 messages, nobody else sends, and a
/// silent leader leaves the others with nil at the deadline.
@Suite struct PartyContextTests {
    static func contexts(_ hub: InMemoryHub, n: Int, t: Int, deadline: Duration) throws -> [PartyContext] {
        try (1...n).map { try PartyContext(network: hub.endpoint($0), threshold: t, timeout: .milliseconds(50), deadline: deadline) }
    }

    @Test(arguments: [(4, 1), (7, 2)])
    func onlyTheLeaderSpeaks(n: Int, t: Int) async throws {
        let hub = InMemoryHub(partyCount: n)
        // The leader always speaks, so the followers return when its message arrives: a deadline that CI's load
        // (a test task starved for seconds) cannot reach.
        let contexts = try Self.contexts(hub, n: n, t: t, deadline: .seconds(60))
        let leader = n - 1
        let received = try await withThrowingTaskGroup(of: (Int, [UInt8]?).self) { group in
            for context in contexts {
                group.addTask {
                    (context.partyID, try await context.fromLeader(leader, session: SessionID(90), round: 3) {
                        [UInt8(context.partyID), 7, 7]
                    })
                }
            }
            return try await group.reduce(into: [Int: [UInt8]?]()) { $0[$1.0] = $1.1 }
        }
        #expect(received.count == n)
        #expect(received.values.allSatisfy { $0 == [UInt8(leader), 7, 7] })
        for context in contexts {
            #expect(context.meter.rounds == 1)
            #expect(context.meter.messagesSent == (context.partyID == leader ? n - 1 : 0))
            #expect(context.meter.bytesSent == (context.partyID == leader ? 3 * (n - 1) : 0))
        }
    }

    @Test func aSilentLeaderGivesNilAtTheDeadline() async throws {
        let (n, t) = (4, 1)
        let hub = InMemoryHub(partyCount: n)
        await hub.inject(.drop, party: 2)
        let contexts = try Self.contexts(hub, n: n, t: t, deadline: .milliseconds(400))
        let clock = ContinuousClock()
        let start = clock.now
        let received = try await withThrowingTaskGroup(of: (Int, [UInt8]?).self) { group in
            for context in contexts where context.partyID != 2 {
                group.addTask { (context.partyID, try await context.fromLeader(2, session: SessionID(91), round: 0) { [1] }) }
            }
            return try await group.reduce(into: [Int: [UInt8]?]()) { $0[$1.0] = $1.1 }
        }
        #expect(received.count == 3 && received.values.allSatisfy { $0 == nil })
        // They waited for the leader until the deadline (400 ms), not only the fast timeout (50 ms).
        #expect(clock.now - start >= .milliseconds(400))
    }
}
