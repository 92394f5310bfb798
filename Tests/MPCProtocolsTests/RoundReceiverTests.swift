import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

/// `Network.receiveEach`'s default (a receiving task per party, what every network but the peer network uses):
/// each party's message once, in arrival order; a party silent past the timeout reported late and its message still
/// taken within the extra time, or nil after it; cancel ends the stream.
@Suite struct RoundReceiverTests {
    @Test func eachPartyOnceAndLatePartiesStillHeard() async throws {
        let hub = InMemoryHub(partyCount: 4)
        let session = SessionID(7)
        try await hub.endpoint(2).send([2], to: 1, session: session, round: 0)
        // The extra time is long, so that a loaded machine cannot end the round before the late messages are sent.
        let receiver = await hub.endpoint(1).receiveEach(
            from: [2, 3, 4], session: session, round: 0, timeout: .milliseconds(100), extra: .seconds(60))
        var events: [String] = []
        var arrived = 0
        for await event in receiver.events {
            events.append("\(event)")
            if case .late(let party) = event { try await hub.endpoint(party).send([UInt8(party)], to: 1, session: session, round: 0) }
            if case .arrived = event { arrived += 1 }
            if arrived == 3 { break }
        }
        #expect(events.first == "2: [2]")
        #expect(Set(events.dropFirst()) == ["late 3", "late 4", "3: [3]", "4: [4]"])
        #expect(events.firstIndex(of: "late 4")! < events.firstIndex(of: "4: [4]")!)
    }

    @Test func aSilentPartyIsLateThenNil() async throws {
        let hub = InMemoryHub(partyCount: 4)
        let receiver = await hub.endpoint(1).receiveEach(
            from: [4], session: SessionID(9), round: 0, timeout: .milliseconds(50), extra: .milliseconds(100))
        var events: [String] = []
        for await event in receiver.events {
            events.append("\(event)")
            if events.count == 2 { break }
        }
        #expect(events == ["late 4", "4: nil"])
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
