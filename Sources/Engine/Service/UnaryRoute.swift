import GRPCCore
import Logging
import KMSAPI
import SwiftProtobuf

private typealias Empty = Kms_V1_Empty

/// One RPC as the server registers it: the full method path and a byte-level handler that decodes the
/// request, runs the typed handler, maps any error through `StatusMapping`, and encodes the response.
public struct UnaryRoute: Sendable {
    public let path: String
    public let handler: UnaryHandler

    /// Builds a route from a typed handler. Undecodable requests answer INVALID_ARGUMENT; every outcome is
    /// logged with the method, the caller and the status (never the payload).
    public static func typed<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        path: String,
        logger: Logger,
        _ body: @escaping @Sendable (Request, ServerCallContext) async throws -> Response
    ) -> UnaryRoute {
        UnaryRoute(path: path) { bytes, context in
            do {
                let response = try await body(try Request.decoded(from: bytes), context)
                let encoded: [UInt8] = try response.serializedBytes()
                logger.debug("rpc ok", metadata: ["method": "\(path)", "peer": "\(context.peer.address)"])
                return encoded
            } catch {
                let status = StatusMapping.status(for: error)
                logger.info(
                    "rpc refused",
                    metadata: [
                        "method": "\(path)", "peer": "\(context.peer.address)", "code": "\(status.code)",
                        "message": "\(status.message)",
                    ])
                throw status
            }
        }
    }
}

extension UnaryRoute {
    /// A route whose engine does not exist yet: decode, validate every RequestId, then answer UNIMPLEMENTED
    /// honestly (nothing pretends to work).
    static func notBuilt<Request: SwiftProtobuf.Message>(
        path: String, name: String, logger: Logger,
        _ validate: @escaping @Sendable (Request) throws(EngineError) -> Void
    ) -> UnaryRoute {
        typed(path: path, logger: logger) { (request: Request, _) -> Empty in
            try validate(request)
            throw EngineError.unimplemented("\(name) is not implemented by this core yet")
        }
    }
}

extension GRPCServer {
    /// Registers every route (before `start()`).
    public func register(_ routes: [UnaryRoute]) {
        for route in routes { register(method: route.path, handler: route.handler) }
    }
}

extension SwiftProtobuf.Message {
    /// The message in `bytes`, or INVALID_ARGUMENT naming the expected message (unary requests, stream messages).
    static func decoded(from bytes: [UInt8]) throws(EngineError) -> Self {
        do {
            return try Self(serializedBytes: bytes)
        } catch {
            throw .invalidArgument("request is not a valid \(protoMessageName) message")
        }
    }
}
