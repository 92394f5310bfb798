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
    private let handle: Mutex<OpaquePointer?>

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
        handle = Mutex(created)
    }

    /// One unary call; throws GRPCStatus (DEADLINE_EXCEEDED on timeout, UNAVAILABLE when unreachable, …).
    public func unary(method: String, request: [UInt8], metadata: [(key: String, value: String)] = [],
                      timeout: Duration) async throws -> [UInt8] {
        let milliseconds = max(1, timeout.components.seconds * 1000
            + timeout.components.attoseconds / 1_000_000_000_000_000)
        let headers = metadata.isEmpty ? nil
            : metadata.map { "\($0.key.lowercased())\t\($0.value)\n" }.joined()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8], Error>) in
            // The lock is held while the call starts so close() cannot free the handle under it.
            handle.withLock { channel in
                guard let channel else {
                    continuation.resume(throwing: GRPCStatus(.unavailable, "channel is closed"))
                    return
                }
                let box = Unmanaged.passRetained(UnaryCompletion(continuation)).toOpaque()
                method.withCString { name in
                    withOptionalCString(headers) { headers in
                        request.withUnsafeBufferPointer { buffer in
                            cgrpc_channel_unary(channel, name, buffer.baseAddress, buffer.count, headers,
                                                milliseconds, box, unaryDone)
                        }
                    }
                }
            }
        }
    }

    /// Releases the channel; calls in flight still complete.
    public func close() {
        handle.withLock { channel in
            if let channel { cgrpc_channel_destroy(channel) }
            channel = nil
        }
    }

    deinit { close() }
}

private final class UnaryCompletion: @unchecked Sendable {
    let continuation: CheckedContinuation<[UInt8], Error>
    init(_ continuation: CheckedContinuation<[UInt8], Error>) { self.continuation = continuation }
}

/// Called once per call on a grpc thread: copies the bytes and resumes the awaiting task (never blocks).
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
