import Dispatch
import Foundation

/// Turns SIGTERM/SIGINT into an awaitable event (the default handlers are disabled so the process can shut
/// down gracefully instead of dying mid-call).
final class SignalWaiter {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        var sources: [any DispatchSourceSignal] = []
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    /// Waits for the first of the signals and returns its number.
    func next() async -> Int32 {
        for await number in stream { return number }
        return 0
    }
}
