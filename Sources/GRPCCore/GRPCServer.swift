import CGRPCShim
import Synchronization

/// Server settings. `port` 0 picks a free port; `tls` nil serves plaintext (tests and benchmarks only).
public struct GRPCServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var tls: ServerTLSConfiguration?
    /// Larger requests are refused with RESOURCE_EXHAUSTED.
    public var maxReceiveMessageBytes: Int
    public var maxSendMessageBytes: Int
    public init(host: String, port: Int, tls: ServerTLSConfiguration?, maxReceiveMessageBytes: Int = 4 << 20,
                maxSendMessageBytes: Int = 64 << 20) {
        self.host = host
        self.port = port
        self.tls = tls
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
        self.maxSendMessageBytes = maxSendMessageBytes
    }
}

/// How one method is served.
enum MethodHandler: Sendable {
    case unary(UnaryHandler)
    case streaming(StreamingHandler)
}

/// The method table shared with grpc's threads; immutable once the server starts. It also tracks the streaming
/// calls in progress, whose input `shutdown` ends first: a handler waiting for its client's next message on a
/// long-lived stream (a peer's link) would otherwise hold the server for its whole grace period.
final class MethodRouter: Sendable {
    let handlers: [String: MethodHandler]
    private let streams = Mutex<(open: [ObjectIdentifier: ServerStream], closed: Bool)>(([:], false))
    init(handlers: [String: MethodHandler]) { self.handlers = handlers }

    /// Records a stream while its handler runs; false once the server is shutting down (the caller ends it).
    func opened(_ stream: ServerStream) -> Bool {
        streams.withLock { state in
            guard !state.closed else { return false }
            state.open[ObjectIdentifier(stream)] = stream
            return true
        }
    }

    func ended(_ stream: ServerStream) {
        _ = streams.withLock { $0.open.removeValue(forKey: ObjectIdentifier(stream)) }
    }

    /// Ends the input of every open stream (their handlers' `next()` answers nil; they return and the call ends with
    /// their status) and refuses new streams with UNAVAILABLE.
    func endStreams() {
        let open = streams.withLock { state -> [ServerStream] in
            state.closed = true
            return Array(state.open.values)
        }
        for stream in open { stream.endInput() }
    }
}

/// A `cgrpc_call` handle moved into the task that answers it (answered exactly once, by that task).
struct CallHandle: @unchecked Sendable { let pointer: OpaquePointer }

/// A gRPC server over grpc++: handlers are registered by full method name; unknown methods answer UNIMPLEMENTED.
public final class GRPCServer: Sendable {
    private struct State {
        var handlers: [String: MethodHandler] = [:]
        var server: OpaquePointer?
        var router: Unmanaged<MethodRouter>?
        var started = false
    }
    private let configuration: GRPCServerConfiguration
    private let state = Mutex(State())

    public init(configuration: GRPCServerConfiguration) { self.configuration = configuration }

    /// Registers the handler for a full method name ("/package.Service/Method"); call before `start()`.
    public func register(method: String, handler: @escaping UnaryHandler) {
        state.withLock { $0.handlers[method] = .unary(handler) }
    }

    /// Registers a streaming handler (server streaming or bidirectional) for a full method name; before `start()`.
    public func register(streamingMethod method: String, handler: @escaping StreamingHandler) {
        state.withLock { $0.handlers[method] = .streaming(handler) }
    }

    /// The full method names registered so far ("/package.Service/Method").
    public var methods: [String] { state.withLock { Array($0.handlers.keys) } }

    /// Starts listening; returns the bound port. Throws `GRPCStatus(.unavailable, …)` if it cannot bind.
    public func start() throws -> Int {
        try state.withLock { state in
            guard !state.started else { throw GRPCStatus(.failedPrecondition, "server already started") }
            let router = Unmanaged.passRetained(MethodRouter(handlers: state.handlers))
            let tls = configuration.tls
            var port: Int32 = 0
            var error = [CChar](repeating: 0, count: 256)
            let host = configuration.host
            let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
            let server = "\(bracketed):\(configuration.port)".withCString { address -> OpaquePointer? in
                    withOptionalCString(tls?.identity.certificateChainPEM) { chain in
                        withOptionalCString(tls?.identity.privateKeyPEM) { key in
                            withOptionalCString(tls?.trustedRootsPEM) { roots in
                                var options = cgrpc_server_options(
                                    address: address, certificate_chain: chain, private_key: key,
                                    trusted_roots: roots,
                                    require_client_certificate: tls?.requireClientCertificate == true ? 1 : 0,
                                    max_receive_message_bytes: Int32(clamping: configuration.maxReceiveMessageBytes),
                                    max_send_message_bytes: Int32(clamping: configuration.maxSendMessageBytes),
                                    release_attached: releaseCachedIdentity)
                                return cgrpc_server_start(&options, router.toOpaque(), serverCallHandler, &port,
                                                          &error, error.count)
                            }
                        }
                    }
            }
            guard let server else {
                router.release()
                let text = String(decoding: error.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) },
                                  as: UTF8.self)
                throw GRPCStatus(.unavailable, text)
            }
            state.server = server
            state.router = router
            state.started = true
            return Int(port)
        }
    }

    /// Stops accepting calls, lets in-flight calls finish for up to `gracePeriod`, then cancels the rest.
    public func shutdown(gracePeriod: Duration) async {
        let taken = state.withLock { state -> (OpaquePointer, Unmanaged<MethodRouter>)? in
            guard let server = state.server, let router = state.router else { return nil }
            state.server = nil
            state.router = nil
            return (server, router)
        }
        guard let (server, router) = taken else { return }
        router.takeUnretainedValue().endStreams()
        let milliseconds = max(0, gracePeriod.components.seconds * 1000
            + gracePeriod.components.attoseconds / 1_000_000_000_000_000)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let box = Unmanaged.passRetained(ShutdownBox(continuation))
            cgrpc_server_shutdown(server, milliseconds, box.toOpaque()) { context in
                Unmanaged<ShutdownBox>.fromOpaque(context!).takeRetainedValue().continuation.resume()
            }
        }
        router.release()
    }

    deinit {
        // A server dropped without shutdown() is stopped at once (no grace) so grpc's threads do not outlive it.
        let taken = state.withLock { state -> (OpaquePointer, Unmanaged<MethodRouter>)? in
            guard let server = state.server, let router = state.router else { return nil }
            return (server, router)
        }
        if let (server, router) = taken {
            cgrpc_server_shutdown(server, 0, router.toOpaque()) { context in
                Unmanaged<MethodRouter>.fromOpaque(context!).release()
            }
        }
    }
}

private final class ShutdownBox: @unchecked Sendable {
    let continuation: CheckedContinuation<Void, Never>
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
}

func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
    guard let string else { return try body(nil) }
    return try string.withCString { try body($0) }
}

/// Called on a grpc thread: copies everything out of `info` (one copy of the request, straight from grpc's
/// buffer), then runs the handler as an immediate task that answers with `cgrpc_call_respond` (it never waits on
/// anything while holding the grpc thread).
private func serverCallHandler(context: UnsafeMutableRawPointer?, call: OpaquePointer?,
                               info: UnsafePointer<cgrpc_call_info>?) {
    guard let context, let call, let info = info?.pointee else { return }
    let router = Unmanaged<MethodRouter>.fromOpaque(context).takeUnretainedValue()
    let method = String(info.method)
    let handle = CallHandle(pointer: call)
    guard let handler = router.handlers[method] else {
        respond(handle, with: .failure(GRPCStatus(.unimplemented, "method \(method) is not implemented")))
        return
    }
    let request = info.request_length == 0 ? [] : Array(UnsafeBufferPointer(start: info.request,
                                                                          count: info.request_length))
    let identity = info.identity.map(CachedPeerIdentity.of)
    let peer = PeerIdentity(
        address: String(info.peer_address),
        subject: identity?.subject,
        commonName: identity?.commonName,
        subjectAlternativeNames: identity?.subjectAlternativeNames ?? [],
        isAuthenticated: identity?.isAuthenticated ?? false,
        certificate: identity?.certificate)
    let metadata = (0..<info.metadata_count).map { index -> (key: String, value: String) in
        let entry = info.metadata[index]
        return (key: String(entry.key), value: String(entry.value))
    }
    let callContext = ServerCallContext(method: method, peer: peer, metadata: metadata)
    switch handler {
    case .unary(let handler):
        // Runs on this grpc thread up to the handler's first suspension: a handler that answers at once costs no
        // hand-off to Swift's executor (docs/GRPC.md). Handlers must not do long synchronous work before awaiting.
        Task.immediate {
            let result: Result<[UInt8], GRPCStatus>
            do {
                result = .success(try await handler(request, callContext))
            } catch let status as GRPCStatus {
                result = .failure(status)
            } catch {
                result = .failure(GRPCStatus(.internalError, "internal error"))
            }
            respond(handle, with: result)
        }
    case .streaming(let handler):
        let stream = ServerStream(handle)
        guard router.opened(stream) else {
            stream.finish(GRPCStatus(.unavailable, "server shutting down"))
            return
        }
        Task {
            defer { router.ended(stream) }
            let status: GRPCStatus?
            do {
                try await handler(request, stream, callContext)
                status = nil
            } catch let error as GRPCStatus {
                status = error
            } catch {
                status = GRPCStatus(.internalError, "internal error")
            }
            stream.finish(status)
        }
    }
}

/// A connection's peer identity as Swift values, built once per connection and attached to the shim's cache
/// entry for it (cgrpc_peer_identity_attach), so later calls on that connection only copy references.
final class CachedPeerIdentity: Sendable {
    let subject: String?
    let commonName: String?
    let subjectAlternativeNames: [String]
    let isAuthenticated: Bool
    let certificate: PeerCertificate?

    init(_ identity: cgrpc_peer_identity) {
        subject = identity.subject.map { String(cString: $0) }
        commonName = identity.common_name.map { String(cString: $0) }
        subjectAlternativeNames = (0..<identity.alternative_name_count).map {
            String(identity.alternative_names[$0])
        }
        isAuthenticated = identity.authenticated == 1
        // Only a verified certificate is handed on (every TLS mode here verifies whatever it requests).
        certificate = isAuthenticated ? identity.certificate_pem.map { PeerCertificate(pem: String(cString: $0)) } : nil
    }

    /// The object attached to `identity`'s cache entry, made and attached on first use. Valid while the entry
    /// lives (the shim holds it for the whole call callback); the returned reference is a strong one.
    static func of(_ identity: UnsafePointer<cgrpc_peer_identity>) -> CachedPeerIdentity {
        if let attached = cgrpc_peer_identity_attached(identity) {
            return Unmanaged<CachedPeerIdentity>.fromOpaque(attached).takeUnretainedValue()
        }
        let made = Unmanaged.passRetained(CachedPeerIdentity(identity.pointee))
        let winner = cgrpc_peer_identity_attach(identity, made.toOpaque())!
        if winner != made.toOpaque() { made.release() }  // another call on this connection attached first
        return Unmanaged<CachedPeerIdentity>.fromOpaque(winner).takeUnretainedValue()
    }
}

/// Called by the shim when a cache entry goes (cgrpc_server_options.release_attached).
private func releaseCachedIdentity(_ object: UnsafeMutableRawPointer?) {
    guard let object else { return }
    Unmanaged<CachedPeerIdentity>.fromOpaque(object).release()
}

extension String {
    /// Decodes a C view (UTF-8, not NUL-terminated); invalid bytes become U+FFFD.
    init(_ view: cgrpc_string) {
        guard let data = view.data, view.length > 0 else {
            self = ""
            return
        }
        self = data.withMemoryRebound(to: UInt8.self, capacity: view.length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: view.length), as: UTF8.self)
        }
    }
}

private func respond(_ handle: CallHandle, with result: Result<[UInt8], GRPCStatus>) {
    switch result {
    case .success(let bytes):
        bytes.withUnsafeBufferPointer { buffer in
            cgrpc_call_respond(handle.pointer, buffer.baseAddress, buffer.count, 0, nil)
        }
    case .failure(let status):
        let code = status.code == .ok ? GRPCStatusCode.unknown : status.code
        status.message.withCString { cgrpc_call_respond(handle.pointer, nil, 0, code.rawValue, $0) }
    }
}
