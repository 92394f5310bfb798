import CGRPCShim
import Synchronization

/// A streaming method handler: it gets the first request message, the stream to read further messages from
/// and write responses to, and the call's context. Returning ends the call with OK; throwing `GRPCStatus` ends
/// it with that status, any other error with INTERNAL and a generic message.
public typealias StreamingHandler = @Sendable (
    _ firstRequest: [UInt8], _ stream: ServerStream, _ context: ServerCallContext
) async throws -> Void

/// One streaming call as its handler sees it (grpc.health.v1 Watch, server reflection). Valid only while the
/// handler runs: the server finishes the call when the handler returns, after which `send` answers false and
/// `next` nil.
public final class ServerStream: Sendable {
    private let handle: CallHandle
    /// True once the call was finished; guards the shim's handle, which is released by the finish.
    private let finished = Mutex(false)

    init(_ handle: CallHandle) { self.handle = handle }

    /// Queues one response message (sent in order). False when the client is gone or the call has ended: the
    /// handler should return then.
    @discardableResult
    public func send(_ message: [UInt8]) -> Bool {
        finished.withLock { finished in
            guard !finished else { return false }
            return message.withUnsafeBufferPointer { cgrpc_call_write(handle.pointer, $0.baseAddress, $0.count) } == 1
        }
    }

    /// The next request message, or nil once the client half-closed, cancelled or the call ended.
    /// At most one `next()` at a time.
    public func next() async -> [UInt8]? {
        guard !finished.withLock({ $0 }) else { return nil }
        return await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
            let box = Unmanaged.passRetained(ReadBox(continuation))
            cgrpc_call_read(handle.pointer, box.toOpaque()) { context, ok, message, length in
                let box = Unmanaged<ReadBox>.fromOpaque(context!).takeRetainedValue()
                if ok == 1 {
                    box.continuation.resume(returning: length == 0 ? [] : Array(UnsafeBufferPointer(start: message, count: length)))
                } else {
                    box.continuation.resume(returning: nil)
                }
            }
        }
    }

    /// Ends the input (the server is shutting down): `next()` answers nil from now on, after any message already
    /// received, so a handler waiting for its client's next message returns. Writes still go out.
    func endInput() {
        finished.withLock { finished in
            if !finished { cgrpc_call_end_reads(handle.pointer) }
        }
    }

    /// True once the client cancelled the call or its deadline passed.
    public var isCancelled: Bool {
        finished.withLock { $0 || cgrpc_call_is_cancelled(handle.pointer) == 1 }
    }

    /// Ends the call after the queued messages: OK when `status` is nil. Called once, by the server, when the
    /// handler returns (or at once, for a stream that arrives while the server shuts down).
    func finish(_ status: GRPCStatus?) {
        finished.withLock { finished in
            guard !finished else { return }
            finished = true
            let code = status.map { $0.code == .ok ? GRPCStatusCode.unknown.rawValue : $0.code.rawValue } ?? 0
            (status?.message ?? "").withCString { cgrpc_call_finish(handle.pointer, code, $0) }
        }
    }
}

private final class ReadBox: @unchecked Sendable {
    let continuation: CheckedContinuation<[UInt8]?, Never>
    init(_ continuation: CheckedContinuation<[UInt8]?, Never>) { self.continuation = continuation }
}
