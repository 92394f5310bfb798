import Foundation
import MPCProtocols
import Testing
@testable import Engine

/// The peer inbox on its own: buffering for sessions not started yet, duplicates, chunk reassembly, the per-peer
/// quota and expiry.
@Suite struct PeerInboxTests {
    static func key(_ label: String, round: UInt64 = 0, sender: Int = 2) -> PeerInbox.Key {
        PeerInbox.Key(session: SessionID.root(requestID: Array(label.utf8), label: "inbox-test"), round: round, sender: sender)
    }

    @Test func aMessageForASessionNotStartedYetWaitsForItsReceiver() async throws {
        let inbox = PeerInbox()
        try await inbox.deliver(.init(key: Self.key("a"), payload: [1, 2, 3]))
        #expect(await inbox.buffered(from: 2) == 3)
        #expect(await inbox.receive(Self.key("a"), timeout: .milliseconds(10)) == [1, 2, 3])
        #expect(await inbox.buffered(from: 2) == 0)
        // Another round, another sender, another session: nothing there.
        #expect(await inbox.receive(Self.key("a", round: 1), timeout: .milliseconds(10)) == nil)
        #expect(await inbox.receive(Self.key("a", sender: 3), timeout: .milliseconds(10)) == nil)
    }

    @Test func aWaitingReceiverGetsTheMessageWhenItArrives() async throws {
        let inbox = PeerInbox()
        async let received = inbox.receive(Self.key("b"), timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(50))
        try await inbox.deliver(.init(key: Self.key("b"), payload: [9]))
        #expect(await received == [9])
        #expect(await inbox.buffered(from: 2) == 0)
    }

    @Test func aSubscriberGetsEveryRoundOfItsSessionBufferedOrLaterAndNothingElse() async throws {
        let inbox = PeerInbox()
        try await inbox.deliver(.init(key: Self.key("s", round: 7, sender: 3), payload: [7]))
        try await inbox.deliver(.init(key: Self.key("other", round: 1), payload: [1]))
        var stream = await inbox.subscribe(session: Self.key("s").session).makeAsyncIterator()
        #expect(await inbox.buffered(from: 3) == 0, "the buffered message went to the subscriber")
        try await inbox.deliver(.init(key: Self.key("s", round: 123_456, sender: 2), payload: [8]))
        try await inbox.deliver(.init(key: Self.key("s", round: 123_456, sender: 2), payload: [9]))  // a duplicate
        try await inbox.deliver(.init(key: Self.key("s", round: 5, sender: 4), payload: [10]))
        var got: [(Int, UInt64, [UInt8])] = []
        for _ in 0..<3 {
            let delivery = try #require(await stream.next())
            got.append((delivery.key.sender, delivery.key.round, delivery.payload))
        }
        #expect(got.map(\.0) == [3, 2, 4] && got.map(\.1) == [7, 123_456, 5] && got.map(\.2) == [[7], [8], [10]])
        // Other sessions still go to their mailboxes; after unsubscribing, the session's messages do too.
        #expect(await inbox.receive(Self.key("other", round: 1), timeout: .milliseconds(10)) == [1])
        await inbox.unsubscribe(session: Self.key("s").session)
        #expect(await stream.next() == nil)
        try await inbox.deliver(.init(key: Self.key("s", round: 1), payload: [11]))
        #expect(await inbox.receive(Self.key("s", round: 1), timeout: .milliseconds(10)) == [11])
    }

    @Test func theFirstCopyWinsAndRetransmissionsAreAcknowledged() async throws {
        let inbox = PeerInbox()
        try await inbox.deliver(.init(key: Self.key("c"), payload: [1]))
        try await inbox.deliver(.init(key: Self.key("c"), payload: [2]))
        #expect(await inbox.receive(Self.key("c"), timeout: .milliseconds(10)) == [1])
        // A retransmission after the message was received is not buffered again.
        try await inbox.deliver(.init(key: Self.key("c"), payload: [1]))
        #expect(await inbox.buffered(from: 2) == 0)
    }

    @Test func chunksAreReassembledInAnyOrder() async throws {
        let inbox = PeerInbox()
        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        let chunks = stride(from: 0, to: payload.count, by: 300).map { Array(payload[$0..<min(payload.count, $0 + 300)]) }
        for index in [2, 0, 3, 1] {
            try await inbox.deliver(.init(key: Self.key("d"), payload: chunks[index], chunkIndex: index, chunkCount: chunks.count))
        }
        #expect(await inbox.receive(Self.key("d"), timeout: .milliseconds(10)) == payload)
        await #expect(throws: EngineError.self) {
            try await inbox.deliver(.init(key: Self.key("e"), payload: [1], chunkIndex: 5, chunkCount: 2))
        }
    }

    @Test func aPeerOverItsQuotaIsRefusedAndOthersAreNot() async throws {
        let inbox = PeerInbox(limits: .init(bytesPerPeer: 1000, expiry: .seconds(60)))
        for index in 0..<10 {
            try await inbox.deliver(.init(key: Self.key("f\(index)"), payload: [UInt8](repeating: 1, count: 100)))
        }
        await #expect(throws: EngineError.resourceExhausted("peer 2 has 1000 bytes buffered here (quota 1000)")) {
            try await inbox.deliver(.init(key: Self.key("g"), payload: [1]))
        }
        // Chunks count too.
        await #expect(throws: EngineError.self) {
            try await inbox.deliver(.init(key: Self.key("h"), payload: [1], chunkIndex: 0, chunkCount: 2))
        }
        // Party 3 is not affected by party 2's flood.
        try await inbox.deliver(.init(key: Self.key("g", sender: 3), payload: [UInt8](repeating: 1, count: 900)))
        // Receiving frees the quota.
        _ = await inbox.receive(Self.key("f0"), timeout: .milliseconds(10))
        try await inbox.deliver(.init(key: Self.key("g"), payload: [UInt8](repeating: 1, count: 100)))
        #expect(await inbox.refusedMessages[2] == 2)
    }

    @Test func unreceivedMessagesExpire() async throws {
        let inbox = PeerInbox(limits: .init(bytesPerPeer: 1000, expiry: .milliseconds(100)))
        try await inbox.deliver(.init(key: Self.key("i"), payload: [UInt8](repeating: 1, count: 1000)))
        try await Task.sleep(for: .milliseconds(200))
        // The full quota is freed by expiry when the next message needs room.
        try await inbox.deliver(.init(key: Self.key("j"), payload: [UInt8](repeating: 1, count: 1000)))
        #expect(await inbox.receive(Self.key("i"), timeout: .milliseconds(10)) == nil)
        #expect(await inbox.buffered(from: 2) == 1000)
    }

    /// One task expires every waiting receive (no timer per receive): each returns nil no earlier than its own
    /// timeout, those whose message arrives get it, and a message arriving after its receiver gave up is kept for
    /// a later receive.
    @Test func waitingReceivesExpireAtTheirOwnDeadlines() async throws {
        let inbox = PeerInbox()
        let clock = ContinuousClock()
        let start = clock.now
        let outcomes = try await withThrowingTaskGroup(of: (Int, [UInt8]?, Duration).self) { group in
            for index in 0..<120 {
                group.addTask {
                    // Receives whose message is delivered wait long, so a loaded machine cannot make them time out.
                    let timeout = index % 3 == 0 ? Duration.seconds(60) : Duration.milliseconds(20 + (index % 6) * 30)
                    let message = await inbox.receive(Self.key("w\(index)"), timeout: timeout)
                    return (index, message, clock.now - start)
                }
            }
            try await Task.sleep(for: .milliseconds(5))
            for index in stride(from: 0, to: 120, by: 3) {
                try await inbox.deliver(.init(key: Self.key("w\(index)"), payload: [UInt8(index)]))
            }
            var outcomes: [(Int, [UInt8]?, Duration)] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.count == 120)
        for (index, message, elapsed) in outcomes {
            if index % 3 == 0 {
                #expect(message == [UInt8(index)])
            } else {
                #expect(message == nil)
                #expect(elapsed >= .milliseconds(20 + (index % 6) * 30), "receive \(index) gave up early")
            }
        }
        // After its receiver gave up, a message is buffered for the next receive of its key.
        try await inbox.deliver(.init(key: Self.key("w1"), payload: [1]))
        #expect(await inbox.receive(Self.key("w1"), timeout: .milliseconds(10)) == [1])
    }

    /// A round's receiver (`receiveEach`, what `PartyContext.gather` uses over the peer network): a message
    /// buffered before the round starts comes first, one delivered later comes when it arrives, a sender silent past
    /// the timeout is reported late and its message still taken within the extra time; each sender's message comes
    /// exactly once.
    @Test func aRoundReceiverGetsEachSendersMessageOnceAndReportsLateSenders() async throws {
        let inbox = PeerInbox()
        let keys = (2...4).map { Self.key("round", round: 3, sender: $0) }
        try await inbox.deliver(.init(key: keys[0], payload: [2]))
        // The extra time is long, so that a loaded machine cannot end the round before the late message is sent.
        let receiver = await inbox.receiveEach(keys, timeout: .milliseconds(100), extra: .seconds(60))
        try await inbox.deliver(.init(key: keys[1], payload: [3]))
        try await inbox.deliver(.init(key: keys[1], payload: [9]))  // a second copy is ignored
        var events: [String] = []
        var arrived = 0
        for await event in receiver.events {
            events.append("\(event)")
            if case .late = event { try await inbox.deliver(.init(key: keys[2], payload: [4])) }
            if case .arrived = event { arrived += 1 }
            if arrived == keys.count { break }
        }
        #expect(events == ["2: [2]", "3: [3]", "late 4", "4: [4]"])
        // The received messages are consumed; a retransmission is not buffered again.
        try await inbox.deliver(.init(key: keys[1], payload: [3]))
        #expect(await inbox.buffered(from: 3) == 0)
    }

    /// A sender silent through the timeout and the extra time: late, then nil, no earlier than both together.
    @Test func aSilentSenderIsLateThenNil() async throws {
        let inbox = PeerInbox()
        let clock = ContinuousClock(), start = clock.now
        let receiver = await inbox.receiveEach([Self.key("silent", sender: 5)], timeout: .milliseconds(50), extra: .milliseconds(100))
        var events: [String] = []
        for await event in receiver.events {
            events.append("\(event)")
            if events.count == 2 { break }
        }
        #expect(events == ["late 5", "5: nil"])
        #expect(clock.now - start >= .milliseconds(150))
    }

    /// A cancelled round stops waiting: a message that comes afterwards is buffered for a later receive, and the
    /// round's stream ends.
    @Test func aCancelledRoundLeavesLaterMessagesForTheNextReceive() async throws {
        let inbox = PeerInbox()
        let key = Self.key("cancelled", round: 1, sender: 3)
        let receiver = await inbox.receiveEach([key], timeout: .seconds(60), extra: .zero)
        receiver.cancel()
        var ended = false
        for await _ in receiver.events { Issue.record("an event after cancel") }
        ended = true
        #expect(ended)
        // The inbox drops the round's waiter on its own turn; a delivery after that is buffered.
        for _ in 0..<500 where await inbox.waitingReceives > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await inbox.waitingReceives == 0)
        try await inbox.deliver(.init(key: key, payload: [5]))
        #expect(await inbox.buffered(from: 3) == 1)
        #expect(await inbox.receive(key, timeout: .milliseconds(10)) == [5])
    }

    /// The expiry task sleeps until the earliest deadline instead of ticking: a receive that gets its message
    /// before its timeout costs no wake-up (the task woke every 10 ms before, ≈ 30 times in these 300 ms), and a
    /// receive with a short timeout that starts while a long one waits still ends at its own deadline.
    @Test func theExpiryTaskWakesOnlyAtDeadlines() async throws {
        let inbox = PeerInbox()
        async let answered = inbox.receive(Self.key("d1"), timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(300))
        try await inbox.deliver(.init(key: Self.key("d1"), payload: [7]))
        #expect(await answered == [7])
        #expect(await inbox.expiryWakeUps == 0)

        let clock = ContinuousClock()
        async let long = inbox.receive(Self.key("d2"), timeout: .seconds(60))
        try await Task.sleep(for: .milliseconds(20))
        let start = clock.now
        #expect(await inbox.receive(Self.key("d3"), timeout: .milliseconds(50)) == nil)
        let elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(50) && elapsed < .seconds(30), "the short receive ended after \(elapsed)")
        try await inbox.deliver(.init(key: Self.key("d2"), payload: [8]))
        #expect(await long == [8])

        // A receive with an earlier deadline than the sleeping task's replaces it; the new task wakes at that
        // deadline, finds nothing waiting and ends.
        async let short = inbox.receive(Self.key("d4"), timeout: .milliseconds(200))
        try await Task.sleep(for: .milliseconds(20))
        try await inbox.deliver(.init(key: Self.key("d4"), payload: [9]))
        #expect(await short == [9])
        var waited = Duration.zero
        while await inbox.expiryRunning, waited < .seconds(20) {
            try await Task.sleep(for: .milliseconds(10))
            waited += .milliseconds(10)
        }
        #expect(await inbox.expiryRunning == false)
    }
}
