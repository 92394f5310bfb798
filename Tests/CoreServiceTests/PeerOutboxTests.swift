import Foundation
import GRPCCore
import KMSAPI
import Logging
import MPCProtocols
import SwiftProtobuf
import Synchronization
import Testing
@testable import Engine

/// The outbox's stream on its own, against a receiver the test scripts (a real gRPC server on loopback, plaintext):
/// every message arrives although streams break in the middle (the unacknowledged batches are written again on the
/// next stream), a batch refused for good is dropped and the rest still arrive, and a receiver that is down at
/// first is reached once it is up.
@Suite struct PeerOutboxTests {
    /// What the receiver saw: every message's (session, round) per stream, in arrival order.
    final class Receiver: Sendable {
        struct State {
            var streams = 0
            var received: [String] = []
            var refusedOnce = false
        }
        let state = Mutex(State())
        /// Per stream: after how many batches the receiver breaks the stream (UNAVAILABLE) without acknowledging
        /// the last ones; nil = never.
        let breakAfter: @Sendable (Int) -> Int?
        /// A message payload the receiver refuses for good (INVALID_ARGUMENT), the first time it sees it.
        let poison: [UInt8]?

        init(breakAfter: @escaping @Sendable (Int) -> Int?, poison: [UInt8]? = nil) {
            self.breakAfter = breakAfter
            self.poison = poison
        }

        var messages: [String] { state.withLock { $0.received } }
        var streams: Int { state.withLock { $0.streams } }

        func serve() throws -> (GRPCServer, Int) {
            let server = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: 0, tls: nil))
            server.register(streamingMethod: PeerServiceMethod.stream.path) { first, stream, _ in
                let number = self.state.withLock { $0.streams += 1; return $0.streams }
                let limit = self.breakAfter(number)
                var bytes: [UInt8]? = first, batches = 0, taken: UInt64 = 0
                while let current = bytes {
                    let batch = try Mpc_V1_PeerBatch(serializedBytes: current)
                    if let poison = self.poison, batch.messages.contains(where: { Array($0.payload) == poison }),
                       self.state.withLock({ state in defer { state.refusedOnce = true }; return !state.refusedOnce }) {
                        // As the core does: acknowledge everything before the refused batch, then end the stream.
                        var ack = Mpc_V1_PeerStreamAck()
                        ack.acknowledged = taken
                        stream.send(try ack.serializedBytes())
                        throw GRPCStatus(.invalidArgument, "poisoned")
                    }
                    batches += 1
                    if let limit, batches > limit { throw GRPCStatus(.unavailable, "receiver restarting") }
                    self.state.withLock { state in
                        state.received += batch.messages.map { "\(String(decoding: $0.payload, as: UTF8.self))" }
                    }
                    taken = batch.sequence
                    // Acknowledge only every other batch: the rest stay unacknowledged until the next one.
                    if batch.sequence % 2 == 0 {
                        var ack = Mpc_V1_PeerStreamAck()
                        ack.acknowledged = batch.sequence
                        stream.send(try ack.serializedBytes())
                    }
                    bytes = await stream.next()
                }
            }
            return (server, try server.start())
        }
    }

    static func outbox(port: Int) throws -> (PeerOutbox, GRPCChannel) {
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: "127.0.0.1:\(port)", tls: nil))
        var limits = PeerOutbox.Limits()
        limits.initialBackoff = .milliseconds(5)
        limits.maximumBackoff = .milliseconds(50)
        return (PeerOutbox(sender: 1, receiver: 2, channel: channel, limits: limits, logger: Logger(label: "test")), channel)
    }

    static func send(_ outbox: PeerOutbox, _ labels: [String]) async {
        for (index, label) in labels.enumerated() {
            await outbox.enqueue(Array(label.utf8), session: SessionID(UInt64(index)), round: 0, lifetime: .seconds(30))
        }
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func messagesSurviveStreamsBreakingInTheMiddle() async throws {
        // The first three streams break after 3, 5 and 2 batches; later ones hold.
        let receiver = Receiver(breakAfter: { [3, 5, 2][safe: $0 - 1] })
        let (server, port) = try receiver.serve()
        let (outbox, channel) = try Self.outbox(port: port)
        defer { channel.close() }
        let labels = (0..<60).map { "message \($0)" }
        for chunk in stride(from: 0, to: labels.count, by: 6) {
            await Self.send(outbox, Array(labels[chunk..<min(chunk + 6, labels.count)]))
            try await Task.sleep(for: .milliseconds(15))
        }
        try await Self.waitUntil { Set(receiver.messages) == Set(labels) }
        #expect(Set(receiver.messages) == Set(labels))
        #expect(receiver.streams >= 4, "the outbox opened a new stream after each break")
        await outbox.close()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func aBatchRefusedForGoodIsDroppedAndTheRestArrive() async throws {
        let receiver = Receiver(breakAfter: { _ in nil }, poison: Array("poison".utf8))
        let (server, port) = try receiver.serve()
        let (outbox, channel) = try Self.outbox(port: port)
        defer { channel.close() }
        await Self.send(outbox, ["before"])
        try await Self.waitUntil { receiver.messages.contains("before") }
        await Self.send(outbox, ["poison"])
        try await Self.waitUntil { receiver.state.withLock { $0.refusedOnce } }
        try await Task.sleep(for: .milliseconds(50))  // the outbox sees the end of the stream
        await Self.send(outbox, ["after 1", "after 2"])
        try await Self.waitUntil { receiver.messages.contains("after 2") }
        #expect(receiver.messages.contains("after 1") && receiver.messages.contains("after 2"))
        #expect(!receiver.messages.contains("poison"), "the refused batch is not written again")
        await outbox.close()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func aReceiverThatComesUpLateGetsEverything() async throws {
        // Reserve a port, send while nothing listens there, then start the receiver on it.
        let probe = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: 0, tls: nil))
        let port = try probe.start()
        await probe.shutdown(gracePeriod: .zero)
        let (outbox, channel) = try Self.outbox(port: port)
        defer { channel.close() }
        let labels = (0..<10).map { "early \($0)" }
        await Self.send(outbox, labels)
        try await Task.sleep(for: .milliseconds(200))
        let receiver = Receiver(breakAfter: { _ in nil })
        let server = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: port, tls: nil))
        server.register(streamingMethod: PeerServiceMethod.stream.path) { first, stream, context in
            try await receiver.handle(first, stream)
        }
        _ = try server.start()
        try await Self.waitUntil { Set(receiver.messages) == Set(labels) }
        #expect(Set(receiver.messages) == Set(labels))
        await outbox.close()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}

extension PeerOutboxTests.Receiver {
    /// A plain receiver: records and acknowledges every batch.
    func handle(_ first: [UInt8], _ stream: ServerStream) async throws {
        state.withLock { $0.streams += 1 }
        var bytes: [UInt8]? = first
        while let current = bytes {
            let batch = try Mpc_V1_PeerBatch(serializedBytes: current)
            state.withLock { $0.received += batch.messages.map { String(decoding: $0.payload, as: UTF8.self) } }
            var ack = Mpc_V1_PeerStreamAck()
            ack.acknowledged = batch.sequence
            stream.send(try ack.serializedBytes())
            bytes = await stream.next()
        }
    }
}

private extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
