/// What can go wrong serving a request, in the API's own terms (DESIGN §4). Handlers throw these; the service
/// wiring turns them into gRPC statuses in exactly one place (`StatusMapping`).
public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request is malformed (bad RequestId, undecodable message, missing field).
    case invalidArgument(String)
    /// The request id was used before.
    case alreadyExists(String)
    /// No request, key or material with this id.
    case notFound(String)
    /// The work is still running (poll again), or a dependency is down.
    case unavailable(String)
    /// Rate limit or size limit reached.
    case resourceExhausted(String)
    /// The request names something in the wrong state (a preprocessing already used, a key still running).
    case failedPrecondition(String)
    /// The operation does not fit this core's mode (e.g. threshold-only RPC on a centralized core).
    case aborted(String)
    /// The RPC exists in the API but this core has no engine for it yet.
    case unimplemented(String)
    /// The caller is authenticated but not allowed (e.g. a certificate that is not the claimed party's).
    case permissionDenied(String)
    /// The caller presented no verifiable identity.
    case unauthenticated(String)
    /// A bug or an unexpected local failure; the message is generic and never carries secrets.
    case internalFailure(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): "invalid argument: \(message)"
        case .alreadyExists(let message): "already exists: \(message)"
        case .notFound(let message): "not found: \(message)"
        case .unavailable(let message): "unavailable: \(message)"
        case .resourceExhausted(let message): "resource exhausted: \(message)"
        case .failedPrecondition(let message): "failed precondition: \(message)"
        case .aborted(let message): "aborted: \(message)"
        case .unimplemented(let message): "unimplemented: \(message)"
        case .permissionDenied(let message): "permission denied: \(message)"
        case .unauthenticated(let message): "unauthenticated: \(message)"
        case .internalFailure(let message): "internal: \(message)"
        }
    }
}
