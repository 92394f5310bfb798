import CGRPCShim
import Synchronization

/// A client's bidirectional stream on a channel (the peer network's long-lived link, mpc.v1 PeerService/Stream):
/// `send` queues messages, which grpc sends in order; the server's messages and the final status reach the
/// handlers given at opening, on grpc's threads (they must not block). No deadline: the stream lasts until
/// `cancel`, the server's end, or a broken connection (UNAVAILABLE).
public final class GRPCClientStream: Sendable {
    public typealias MessageHandler = @Sendable ([UInt8]) -> Void
    /// nil = OK.
    public typealias EndHandler = @Sendable (GRPCStatus?) -> Void

    /// Immutable; released once, in deinit.
    nonisolated(unsafe) private let handle: OpaquePointer

    /// Opens the stream at once (grpc connects if needed; a peer that is down ends it with UNAVAILABLE).
    public init(channel: GRPCChannel, method: String, onMessage: @escaping MessageHandler, onEnd: @escaping EndHandler) throws {
        let box = Unmanaged.passRetained(StreamCallbacks(onMessage: onMessage, onEnd: onEnd)).toOpaque()
        let opened = channel.withHandle { channelHandle in
            method.withCString { name in
                cgrpc_channel_open_stream(channelHandle, name, box, streamMessage, streamDone)
            }
        }
        guard let opened = opened ?? nil else {
            Unmanaged<StreamCallbacks>.fromOpaque(box).release()
            throw GRPCStatus(.unavailable, "channel is closed")
        }
        handle = opened
    }

    /// Queues one message; false once the stream is ending or ended.
    @discardableResult
    public func send(_ message: [UInt8]) -> Bool {
        message.withUnsafeBufferPointer { cgrpc_client_stream_write(handle, $0.baseAddress, $0.count) } == 1
    }

    /// Ends the stream (queued messages may be dropped); the end handler follows with CANCELLED.
    public func cancel() { cgrpc_client_stream_cancel(handle) }

    deinit { cgrpc_client_stream_release(handle) }
}

private final class StreamCallbacks: Sendable {
    let onMessage: GRPCClientStream.MessageHandler
    let onEnd: GRPCClientStream.EndHandler
    init(onMessage: @escaping GRPCClientStream.MessageHandler, onEnd: @escaping GRPCClientStream.EndHandler) {
        self.onMessage = onMessage
        self.onEnd = onEnd
    }
}

private func streamMessage(context: UnsafeMutableRawPointer?, message: UnsafePointer<UInt8>?, length: Int) {
    guard let context else { return }
    let callbacks = Unmanaged<StreamCallbacks>.fromOpaque(context).takeUnretainedValue()
    callbacks.onMessage(length == 0 ? [] : Array(UnsafeBufferPointer(start: message, count: length)))
}

/// The last callback for a stream: releases the callbacks' box.
private func streamDone(context: UnsafeMutableRawPointer?, code: Int32, message: UnsafePointer<CChar>?) {
    guard let context else { return }
    let callbacks = Unmanaged<StreamCallbacks>.fromOpaque(context).takeRetainedValue()
    callbacks.onEnd(code == 0 ? nil : GRPCStatus(GRPCStatusCode(rawValue: code), message.map { String(cString: $0) } ?? ""))
}
