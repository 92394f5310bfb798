import Foundation
import Testing
@testable import GRPCCore

/// Plaintext behaviour of GRPCServer/GRPCChannel over loopback: routing, statuses, deadlines, sizes, shutdown.
@Suite struct GRPCServerTests {
    @Test func plaintextRoundTripCarriesBytesAndMetadata() async throws {
        let seen = LockedValue<[(key: String, value: String)]>([])
        let test = try TestServer.start(handlers: [
            echoMethod: { request, context in
                seen.set(context.metadata)
                #expect(context.method == echoMethod)
                #expect(context.peer.subject == nil)
                #expect(!context.peer.isAuthenticated)
                return request.reversed()
            },
        ])
        let channel = try test.channel()
        let request = (0..<1000).map { _ in UInt8.random(in: 0...255) }
        let response = try await channel.unary(method: echoMethod, request: request,
                                               metadata: [(key: "x-party", value: "3")], timeout: .seconds(10))
        #expect(response == Array(request.reversed()))
        #expect(seen.get().contains { $0.key == "x-party" && $0.value == "3" })
        let empty = try await channel.unary(method: echoMethod, request: [], timeout: .seconds(10))
        #expect(empty.isEmpty)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func statusCodesAndMessagesPropagate() async throws {
        let codes: [GRPCStatusCode] = [.invalidArgument, .notFound, .alreadyExists, .resourceExhausted, .aborted,
                                       .unavailable, .permissionDenied, .failedPrecondition]
        let test = try TestServer.start(handlers: [
            "/test.Status/Fail": { request, _ in
                throw GRPCStatus(GRPCStatusCode(rawValue: Int32(request[0])), "failure number \(request[0])")
            },
            "/test.Status/Secret": { _, _ in
                struct SecretError: Error { let key = "super-secret-key-material" }
                throw SecretError()
            },
        ])
        let channel = try test.channel()
        for code in codes {
            let error = await #expect(throws: GRPCStatus.self) {
                try await channel.unary(method: "/test.Status/Fail", request: [UInt8(code.rawValue)],
                                        timeout: .seconds(10))
            }
            #expect(error == GRPCStatus(code, "failure number \(code.rawValue)"))
        }
        let hidden = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: "/test.Status/Secret", request: [], timeout: .seconds(10))
        }
        #expect(hidden?.code == .internalError)
        #expect(hidden?.message.contains("secret") == false)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func unknownMethodIsUnimplemented() async throws {
        let test = try TestServer.start(handlers: [echoMethod: echoHandler])
        let channel = try test.channel()
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: "/test.Echo/Missing", request: [1], timeout: .seconds(10))
        }
        #expect(error?.code == .unimplemented)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func deadlineExceededWhenHandlerIsSlow() async throws {
        let test = try TestServer.start(handlers: [
            "/test.Slow/Sleep": { request, _ in
                try? await Task.sleep(for: .milliseconds(800))
                return request  // answered after the client gave up: must not crash or double-respond
            },
        ])
        let channel = try test.channel()
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: "/test.Slow/Sleep", request: [1], timeout: .milliseconds(100))
        }
        #expect(error?.code == .deadlineExceeded)
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(5))
    }

    @Test func oversizedRequestIsResourceExhausted() async throws {
        let test = try TestServer.start(maxReceiveMessageBytes: 1024, handlers: [echoMethod: echoHandler])
        let channel = try test.channel()
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: echoMethod, request: [UInt8](repeating: 7, count: 4096),
                                    timeout: .seconds(10))
        }
        #expect(error?.code == .resourceExhausted)
        // The server keeps serving after refusing.
        let small = try await channel.unary(method: echoMethod, request: [1, 2, 3], timeout: .seconds(10))
        #expect(small == [1, 2, 3])
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func gracefulShutdownCompletesInFlightCall() async throws {
        let (entered, signal) = AsyncStream<Void>.makeStream()
        let test = try TestServer.start(handlers: [
            "/test.Slow/Drain": { request, _ in
                signal.yield()
                try? await Task.sleep(for: .milliseconds(300))
                return request + [42]
            },
        ])
        let channel = try test.channel()
        async let answer = channel.unary(method: "/test.Slow/Drain", request: [9], timeout: .seconds(20))
        var iterator = entered.makeAsyncIterator()
        _ = await iterator.next()
        await test.server.shutdown(gracePeriod: .seconds(10))
        #expect(try await answer == [9, 42])
        let after = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: "/test.Slow/Drain", request: [1], timeout: .seconds(2))
        }
        #expect(after?.code == .unavailable || after?.code == .deadlineExceeded)
        channel.close()
    }

    @Test func manyConcurrentCalls() async throws {
        let test = try TestServer.start(handlers: [
            echoMethod: { request, _ in
                await Task.yield()
                return request
            },
        ])
        let channel = try test.channel()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask {
                    let request = withUnsafeBytes(of: UInt32(index).littleEndian) { Array($0) }
                    return try await channel.unary(method: echoMethod, request: request, timeout: .seconds(60))
                        == request
                }
            }
            var matched = 0
            for try await ok in group where ok { matched += 1 }
            #expect(matched == 500)
        }
        channel.close()
        await test.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func busyPortIsRefused() async throws {
        let first = try TestServer.start(handlers: [echoMethod: echoHandler])
        let second = GRPCServer(configuration: GRPCServerConfiguration(host: "127.0.0.1", port: first.port,
                                                                       tls: nil))
        let error = #expect(throws: GRPCStatus.self) { try second.start() }
        #expect(error?.code == .unavailable)
        await first.server.shutdown(gracePeriod: .seconds(1))
    }

    @Test func unreachableServerIsUnavailable() async throws {
        let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: "127.0.0.1:1", tls: nil))
        let error = await #expect(throws: GRPCStatus.self) {
            try await channel.unary(method: echoMethod, request: [1], timeout: .seconds(10))
        }
        #expect(error?.code == .unavailable)
        channel.close()
    }
}

/// A tiny lock-protected box for values written by handlers and read by the test.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
    func get() -> Value { lock.withLock { value } }
}
