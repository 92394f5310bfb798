import KMSAPI
import Logging
import Synchronization

/// Whether the core serves; flipped to not-serving when shutdown begins so that health checks see it first.
public final class ServingState: Sendable {
    private let serving = Atomic<Bool>(true)
    public init() {}
    public var isServing: Bool { serving.load(ordering: .acquiring) }
    public func stopServing() { serving.store(false, ordering: .releasing) }
}

/// grpc.health.v1.Health/Check: SERVING for the whole server ("") and for each service it registered,
/// NOT_SERVING once shutdown has begun, NOT_FOUND for a service it does not have (as the protocol says).
struct HealthServiceRoutes: Sendable {
    let serviceNames: Set<String>
    let state: ServingState
    let logger: Logger

    func routes() -> [UnaryRoute] {
        [
            UnaryRoute.typed(path: HealthServiceMethod.check.path, logger: logger) {
                (request: Grpc_Health_V1_HealthCheckRequest, _) throws(EngineError) -> Grpc_Health_V1_HealthCheckResponse in
                guard request.service.isEmpty || serviceNames.contains(request.service) else {
                    throw .notFound("unknown service '\(request.service)'")
                }
                var response = Grpc_Health_V1_HealthCheckResponse()
                response.status = state.isServing ? .serving : .notServing
                return response
            }
        ]
    }
}
