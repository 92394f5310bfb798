import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

/// `Network.receiveEach`'s default (a receiving task per party, what every network but the peer network uses):
/// each party's message once, in arrival order; a silent party reported late after the timeout and nil after the
/// extra time; cancel ends the stream.
@Suite struct RoundReceiverTests {
    @Test func eachPartyOnceLateThenNil() async throws {
        let hub = InMemoryHub(partyCount: 4)
        let session = SessionID(7)
        try await hub.endpoint(2).send([2], to: 1, session: session, round: 0)
        let receiver = await hub.endpoint(1).receiveEach(
            from: [2, 3, 4], session: session, round: 0, timeout: .milliseconds(100), extra: .milliseconds(100))
        var events: [String] = []
        var arrived = 0
        for await event in receiver.events {
            switch event {
            case .late(let party):
                events.append("late \(party)")
                if party == 3 { try await hub.endpoint(3).send([3], to: 1, session: session, round: 0) }
            case let .arrived(party, message):
                events.append("\(party): \(message.map { "\($0)" } ?? "nil")")
                arrived += 1
            case .failed(let error): Issue.record("failed: \(error)")
            }
            if arrived == 3 { break }
        }
        #expect(events.first == "2: [2]")
        #expect(Set(events.dropFirst()) == ["late 3", "late 4", "3: [3]", "4: nil"])
        #expect(events.firstIndex(of: "late 4")! < events.firstIndex(of: "4: nil")!)
    }

    @Test func cancelEndsTheStream() async throws {
        let hub = InMemoryHub(partyCount: 4)
        let receiver = await hub.endpoint(1).receiveEach(from: [2, 3, 4], session: SessionID(8), round: 0, timeout: .seconds(60), extra: .zero)
        receiver.cancel()
        var count = 0
        for await _ in receiver.events { count += 1 }
        #expect(count == 0)
    }
}
