import CGRPCShim
import Synchronization

/// Channel settings. `tls` nil = plaintext.
public struct GRPCChannelConfiguration: Sendable {
    /// "127.0.0.1:50051" or "localhost:50051"
    public var target: String
    public var tls: ClientTLSConfiguration?
    public var maxReceiveMessageBytes: Int
    public var maxSendMessageBytes: Int
    public init(target: String, tls: ClientTLSConfiguration?, maxReceiveMessageBytes: Int = 64 << 20,
                maxSendMessageBytes: Int = 64 << 20) {
        self.target = target
        self.tls = tls
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
        self.maxSendMessageBytes = maxSendMessageBytes
    }
}

/// A client channel to one server (connects lazily, reconnects as grpc does); safe to share across tasks.
public final class GRPCChannel: Sendable {
    /// Immutable; freed once, by `destroyOnce`, after which no call starts (see `state`).
    nonisolated(unsafe) private let handle: OpaquePointer
    /// Lock-free guard of `handle`: bit 0 = closed, bit 1 = destroyed, the rest counts calls being started
    /// (in units of 4). Whoever moves it from "closed, no starts" (1) to 3 destroys the handle, exactly once.
    /// (A Mutex here was contended by every call at 64 in flight and showed up in profiles.)
    private let state = Atomic<Int>(0)
    private static let closedBit = 1, destroyedBit = 2, starting = 4

    public init(configuration: GRPCChannelConfiguration) throws {
        let tls = configuration.tls
        let created = configuration.target.withCString { target in
            withOptionalCString(tls?.trustedRootsPEM) { roots in
                withOptionalCString(tls?.identity?.certificateChainPEM) { chain in
                    withOptionalCString(tls?.identity?.privateKeyPEM) { key in
                        withOptionalCString(tls?.serverNameOverride) { name in
                            var options = cgrpc_channel_options(
                                target: target, trusted_roots: roots, certificate_chain: chain, private_key: key,
                                server_name_override: name,
                                max_receive_message_bytes: Int32(clamping: configuration.maxReceiveMessageBytes),
                                max_send_message_bytes: Int32(clamping: configuration.maxSendMessageBytes))
                            return cgrpc_channel_create(&options)
                        }
                    }
                }
            }
        }
        guard let created else {
            throw GRPCStatus(.invalidArgument, "cannot create a channel to \(configuration.target)")
        }
        handle = created
    }

    /// One unary call; throws GRPCStatus (DEADLINE_EXCEEDED on timeout, UNAVAILABLE when unreachable, …).
    public func unary(method: String, request: [UInt8], metadata: [(key: String, value: String)] = [],
                      timeout: Duration) async throws -> [UInt8] {
        let milliseconds = max(1, timeout.components.seconds * 1000
            + timeout.components.attoseconds / 1_000_000_000_000_000)
        let headers = metadata.isEmpty ? nil
            : metadata.map { "\($0.key.lowercased())\t\($0.value)\n" }.joined()
        let before = state.add(Self.starting, ordering: .acquiring).oldValue
        guard before & Self.closedBit == 0 else {
            endStart()
            throw GRPCStatus(.unavailable, "channel is closed")
        }
        // grpc resumes the continuation on its completion thread (cgrpc_unary_done), exactly once; this task then
        // frees the finished call itself (no extra thread to reap it).
        var started: OpaquePointer?
        defer { if let started { cgrpc_unary_call_release(started) } }
        return try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<[UInt8], Error>) in
            let box = Unmanaged.passRetained(UnaryCompletion(continuation)).toOpaque()
            started = method.withCString { name in
                withOptionalCString(headers) { headers in
                    request.withUnsafeBufferPointer { buffer in
                        cgrpc_channel_unary(handle, name, buffer.baseAddress, buffer.count, headers,
                                            milliseconds, box, unaryDone)
                    }
                }
            }
            endStart()
        }
    }

    /// Runs `body` with the shim's channel handle unless the channel is closed (nil then); the handle stays valid
    /// for the duration of `body` (streams opened there keep grpc's channel alive on their own).
    func withHandle<Result>(_ body: (OpaquePointer) -> Result) -> Result? {
        let before = state.add(Self.starting, ordering: .acquiring).oldValue
        defer { endStart() }
        guard before & Self.closedBit == 0 else { return nil }
        return body(handle)
    }

    /// Releases the channel; calls in flight still complete, later calls fail with UNAVAILABLE.
    public func close() {
        let before = state.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).oldValue
        if before == 0 { destroyOnce() }
    }

    /// Ends a call start begun by `unary`. The start only spans `cgrpc_channel_unary` itself: a call in flight
    /// keeps grpc's channel alive on its own.
    private func endStart() {
        let after = state.subtract(Self.starting, ordering: .releasing).newValue
        if after == Self.closedBit { destroyOnce() }
    }

    private func destroyOnce() {
        if state.compareExchange(expected: Self.closedBit, desired: Self.closedBit | Self.destroyedBit,
                                 ordering: .acquiringAndReleasing).exchanged {
            cgrpc_channel_destroy(handle)
        }
    }

    deinit { close() }
}

private final class UnaryCompletion: @unchecked Sendable {
    let continuation: UnsafeContinuation<[UInt8], Error>
    init(_ continuation: UnsafeContinuation<[UInt8], Error>) { self.continuation = continuation }
}

/// Called once per call on a grpc thread: copies the bytes once (from grpc's buffer) and resumes the awaiting
/// task directly from that thread (never blocks).
private func unaryDone(context: UnsafeMutableRawPointer?, code: Int32, message: UnsafePointer<CChar>?,
                       response: UnsafePointer<UInt8>?, length: Int) {
    guard let context else { return }
    let completion = Unmanaged<UnaryCompletion>.fromOpaque(context).takeRetainedValue()
    if code == 0 {
        let bytes = length == 0 ? [] : Array(UnsafeBufferPointer(start: response, count: length))
        completion.continuation.resume(returning: bytes)
    } else {
        let text = message.map { String(cString: $0) } ?? ""
        completion.continuation.resume(throwing: GRPCStatus(GRPCStatusCode(rawValue: code), text))
    }
}
