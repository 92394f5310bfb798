import Foundation
import Synchronization
import Testing
@testable import GRPCCore

/// Client streams over the shim (cgrpc_channel_open_stream / _write / _cancel) against a server nobody here wrote:
/// grpcio's Python server. Messages both ways in order, the server's final status (OK and an error) after its last
/// message, a write after the end refused, a cancel, and a peer that is not there.
@Suite struct GRPCClientStreamTests {
    static let server = """
        import sys, grpc
        from concurrent import futures
        def echo(requests, context):
            for request in requests:
                if request == b"end":
                    return
                if request == b"full":
                    context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "quota full")
                yield request[::-1]
        handler = grpc.method_handlers_generic_handler("test.Peer", {
            "Echo": grpc.stream_stream_rpc_method_handler(echo, request_deserializer=None, response_serializer=None)})
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        server.add_generic_rpc_handlers((handler,))
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        print(port, flush=True)
        sys.stdin.read()
        """

    /// What one stream received, and how it ended.
    final class Received: Sendable {
        let messages = Mutex<[String]>([])
        let end = Mutex<GRPCStatus??>(nil)
        func ended() -> GRPCStatus?? { end.withLock { $0 } }
        func waitForEnd() async throws {
            for _ in 0..<400 where ended() == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    static func open(_ channel: GRPCChannel, into received: Received) throws -> GRPCClientStream {
        try GRPCClientStream(
            channel: channel, method: "/test.Peer/Echo",
            onMessage: { bytes in received.messages.withLock { $0.append(String(decoding: bytes, as: UTF8.self)) } },
            onEnd: { status in received.end.withLock { $0 = .some(status) } })
    }

    @Test func messagesBothWaysAndTheServersEnd() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.server]
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        defer { process.terminate() }
        var line = Data()
        while !line.contains(10) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let port = try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: "127.0.0.1:\(port)", tls: nil))
        defer { channel.close() }

        // 200 messages answered in order, then the server returns: OK after the last answer.
        let first = Received()
        let stream = try Self.open(channel, into: first)
        let sent = (0..<200).map { "message \($0)" }
        for message in sent { #expect(stream.send(Array(message.utf8))) }
        #expect(stream.send(Array("end".utf8)))
        try await first.waitForEnd()
        #expect(first.ended() == .some(nil))
        #expect(first.messages.withLock { $0 } == sent.map { String($0.reversed()) })
        #expect(!stream.send(Array("late".utf8)), "a write after the end is refused")

        // The server's error status, after the messages before it.
        let second = Received()
        let failing = try Self.open(channel, into: second)
        failing.send(Array("ab".utf8))
        failing.send(Array("full".utf8))
        try await second.waitForEnd()
        let status = try #require(second.ended() ?? nil)
        #expect(status.code == .resourceExhausted && status.message == "quota full")
        #expect(second.messages.withLock { $0 } == ["ba"])

        // A cancel ends the stream with CANCELLED.
        let third = Received()
        let cancelled = try Self.open(channel, into: third)
        cancelled.send(Array("xy".utf8))
        for _ in 0..<400 where third.messages.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        cancelled.cancel()
        try await third.waitForEnd()
        #expect((third.ended() ?? nil)?.code == .cancelled)
        #expect(third.messages.withLock { $0 } == ["yx"])
        #expect(!cancelled.send(Array("after".utf8)))
    }

    @Test func aPeerThatIsNotThereEndsTheStreamUnavailable() async throws {
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: "127.0.0.1:1", tls: nil))
        defer { channel.close() }
        let received = Received()
        let stream = try Self.open(channel, into: received)
        stream.send(Array("hello".utf8))
        try await received.waitForEnd()
        #expect((received.ended() ?? nil)?.code == .unavailable)
    }

    @Test func aClosedChannelOpensNoStream() throws {
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: "127.0.0.1:1", tls: nil))
        channel.close()
        #expect(throws: GRPCStatus.self) { try Self.open(channel, into: Received()) }
    }
}
