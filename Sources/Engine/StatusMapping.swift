import GRPCCore

/// The single place where engine outcomes become gRPC statuses (DESIGN §4 status codes).
public enum StatusMapping {
    public static func status(for error: EngineError) -> GRPCStatus {
        switch error {
        case .invalidArgument(let message): GRPCStatus(.invalidArgument, message)
        case .alreadyExists(let message): GRPCStatus(.alreadyExists, message)
        case .notFound(let message): GRPCStatus(.notFound, message)
        case .unavailable(let message): GRPCStatus(.unavailable, message)
        case .resourceExhausted(let message): GRPCStatus(.resourceExhausted, message)
        case .failedPrecondition(let message): GRPCStatus(.failedPrecondition, message)
        case .aborted(let message): GRPCStatus(.aborted, message)
        case .unimplemented(let message): GRPCStatus(.unimplemented, message)
        case .permissionDenied(let message): GRPCStatus(.permissionDenied, message)
        case .unauthenticated(let message): GRPCStatus(.unauthenticated, message)
        case .internalFailure(let message): GRPCStatus(.internalError, message)
        }
    }

    /// Any error a handler throws: engine errors map as above, statuses pass through, anything else becomes
    /// INTERNAL with a generic message (the original text could carry secrets).
    public static func status(for error: any Error) -> GRPCStatus {
        if let engineError = error as? EngineError { return status(for: engineError) }
        if let status = error as? GRPCStatus { return status }
        return GRPCStatus(.internalError, "internal error")
    }
}
