/// The messages of one round from several parties, in the order they arrive (the receiving side of
/// `PartyContext.gather` and `exchange`). For each party, in order: `.late(party)` once `timeout` has passed
/// without its message (only when `extra` > 0, while it is still awaited), then exactly one
/// `.arrived(party, message)` — nil when nothing came within `timeout` + `extra`. `.failed` ends the round.
/// `cancel` stops waiting for the parties still outstanding (their events never come).
public struct RoundReceiver: Sendable {
    public enum Event: Sendable {
        case late(Int)
        case arrived(Int, [UInt8]?)
        case failed(any Error)
    }

    public let events: AsyncStream<Event>
    public let cancel: @Sendable () -> Void

    public init(events: AsyncStream<Event>, cancel: @escaping @Sendable () -> Void) {
        self.events = events
        self.cancel = cancel
    }
}

extension Network {
    /// One task per party, each a `receive` with `timeout` and, when that gives nothing, another with `extra`.
    public func receiveEach(from parties: [Int], session: SessionID, round: Int, timeout: Duration, extra: Duration) async -> RoundReceiver {
        let (events, sink) = AsyncStream.makeStream(of: RoundReceiver.Event.self)
        let receivers = parties.map { party in
            Task {
                do {
                    var message = try await receive(from: party, session: session, round: round, timeout: timeout)
                    if message == nil && extra > .zero {
                        sink.yield(.late(party))
                        message = try await receive(from: party, session: session, round: round, timeout: extra)
                    }
                    sink.yield(.arrived(party, message))
                } catch {
                    sink.yield(.failed(error))
                }
            }
        }
        return RoundReceiver(events: events) {
            for receiver in receivers { receiver.cancel() }
            sink.finish()
        }
    }
}

extension RoundReceiver.Event: CustomStringConvertible {
    /// "late 3", "3: [1, 2]", "3: nil", "failed: …" (logs and tests).
    public var description: String {
        switch self {
        case .late(let party): "late \(party)"
        case let .arrived(party, message): "\(party): \(message.map { "\($0)" } ?? "nil")"
        case .failed(let error): "failed: \(error)"
        }
    }
}
