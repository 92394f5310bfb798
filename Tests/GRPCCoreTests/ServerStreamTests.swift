import Foundation
import Synchronization
import Testing
@testable import GRPCCore

/// Streaming methods over the shim (cgrpc_call_read / _write / _finish), called by grpcio's Python client: a
/// bidirectional stream answered in order, a handler's error status, and a client that cancels an endless
/// server stream (the handler sees it and returns).
@Suite struct ServerStreamTests {
    static let client = """
        import sys, grpc
        port = sys.argv[1]
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        raw = dict(request_serializer=lambda b: b, response_deserializer=lambda b: b)
        chat = channel.stream_stream("/test.Stream/Chat", **raw)
        answers = [a.decode() for a in chat(iter([b"one", b"two", b"", b"three"]), timeout=10)]
        print("chat:", ",".join(answers))
        try:
            list(channel.unary_stream("/test.Stream/Fail", **raw)(b"x", timeout=10))
            print("fail: no error")
        except grpc.RpcError as error:
            print("fail:", error.code().name, error.details())
        ticks = channel.unary_stream("/test.Stream/Ticks", **raw)(b"go", timeout=30)
        seen = [next(ticks).decode() for _ in range(3)]
        ticks.cancel()
        print("ticks:", ",".join(seen))
        """

    @Test func bidirectionalServerStreamingErrorsAndCancellation() async throws {
        let tickerEnded = Atomic<Bool>(false)
        let server = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: 0, tls: nil))
        server.register(streamingMethod: "/test.Stream/Chat") { first, stream, _ in
            var message: [UInt8]? = first
            while let bytes = message {
                guard stream.send(bytes), stream.send(bytes.reversed()) else { return }
                message = await stream.next()
            }
        }
        server.register(streamingMethod: "/test.Stream/Fail") { _, stream, _ in
            stream.send(Array("partial".utf8))
            throw GRPCStatus(.permissionDenied, "not for you")
        }
        server.register(streamingMethod: "/test.Stream/Ticks") { _, stream, _ in
            defer { tickerEnded.store(true, ordering: .releasing) }
            var tick = 0
            while stream.send(Array("\(tick)".utf8)) {
                tick += 1
                try await Task.sleep(for: .milliseconds(20))
                if stream.isCancelled { return }
            }
        }
        #expect(server.methods.sorted() == ["/test.Stream/Chat", "/test.Stream/Fail", "/test.Stream/Ticks"])
        let port = try server.start()

        let process = Process()  // the python3 first on PATH, where scripts/setup.sh installed grpcio
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.client, "\(port)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("chat: one,eno,two,owt,,,three,eerht"), "\(output)")
        #expect(output.contains("fail: PERMISSION_DENIED not for you"), "\(output)")
        #expect(output.contains("ticks: 0,1,2"), "\(output)")
        for _ in 0..<200 where !tickerEnded.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(25)) }
        let ended = tickerEnded.load(ordering: .acquiring)
        #expect(ended, "the ticker handler saw the cancellation and returned")
        await server.shutdown(gracePeriod: .seconds(1))
    }
}
