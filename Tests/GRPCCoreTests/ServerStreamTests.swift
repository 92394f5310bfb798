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

    /// A client (grpcio) that keeps a stream open, as a peer's link does: shutting the server down ends the
    /// stream's input at once — the handler's `next()` answers nil, it sends a last message and returns — instead
    /// of holding the server for the whole grace period (each core of a test cluster took ≈ 10 s to stop before).
    @Test func shutdownEndsOpenStreamsAtOnce() async throws {
        let client = """
            import sys, grpc
            channel = grpc.insecure_channel(f"127.0.0.1:{sys.argv[1]}")
            link = channel.stream_stream("/test.Stream/Link", request_serializer=lambda b: b, response_deserializer=lambda b: b)
            def requests():
                yield b"hello"
                sys.stdin.read()  # never half-closes while the test runs
            try:
                for answer in link(requests(), timeout=120):
                    print("answer:", answer.decode(), flush=True)
                print("end: OK")
            except grpc.RpcError as error:
                print("end:", error.code().name, error.details(), flush=True)
            """
        let handlerSawEnd = Atomic<Bool>(false)
        let server = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: 0, tls: nil))
        server.register(streamingMethod: "/test.Stream/Link") { first, stream, _ in
            stream.send(first)
            while await stream.next() != nil {}
            handlerSawEnd.store(true, ordering: .releasing)
            stream.send(Array("bye".utf8))
        }
        let port = try server.start()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", client, "\(port)"]
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = input
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The client's output, read on a thread of its own (a blocking read would hold one of the cooperative
        // pool's two threads, which the other tests' handlers need).
        let printed = Mutex("")
        let reader = Thread {
            while true {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { return }
                printed.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        reader.start()
        // Wait for the answer to "hello": the stream is open.
        for _ in 0..<1000 where !printed.withLock({ $0.contains("answer: hello") }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(printed.withLock { $0.contains("answer: hello") }, "\(printed.withLock { $0 })")

        let clock = ContinuousClock()
        let started = clock.now
        await server.shutdown(gracePeriod: .seconds(60))
        let took = clock.now - started
        for _ in 0..<1000 where !printed.withLock({ $0.contains("end:") }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        try input.fileHandleForWriting.close()
        let seen = printed.withLock { $0 }
        #expect(seen.contains("answer: bye\nend: OK"), "\(seen)")
        let handlerEnded = handlerSawEnd.load(ordering: .acquiring)
        #expect(handlerEnded, "the handler's next() ended")
        #expect(took < .seconds(30), "shutdown waited \(took) for a stream that stays open")
    }
}
