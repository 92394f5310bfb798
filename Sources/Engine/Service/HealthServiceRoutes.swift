import GRPCCore
import KMSAPI
import Logging
import SwiftProtobuf
import Synchronization

/// Whether the core serves; flipped to not-serving when shutdown begins so that health checks see it first.
public final class ServingState: Sendable {
    private let serving = Atomic<Bool>(true)
    public init() {}
    public var isServing: Bool { serving.load(ordering: .acquiring) }
    public func stopServing() { serving.store(false, ordering: .releasing) }
}

/// grpc.health.v1.Health, Check and Watch (the protocol of grpc's health-checking documentation):
/// - "" and every service the server registered: SERVING, NOT_SERVING once shutdown has begun;
/// - `kms.peer.<party id>` (threshold cores): SERVING while that core answers this core's mpc.v1 Ping as the
///   expected party, NOT_SERVING otherwise — so a monitor sees a peer stop without reading logs;
/// - anything else: Check answers NOT_FOUND, Watch streams SERVICE_UNKNOWN (and keeps watching).
/// Watch sends the current status at once, then each change, until the client cancels or the core stops.
struct HealthServiceRoutes: Sendable {
    /// The name prefix of the per-peer health services.
    static let peerServicePrefix = "kms.peer."

    let serviceNames: Set<String>
    let state: ServingState
    let prober: PeerHealthProber?
    /// This core's party id (its own `kms.peer.<id>` is its own status), nil when centralized.
    let partyId: Int?
    let logger: Logger
    /// How often Watch re-evaluates: the serving state at `localInterval`, a peer by a probe every `peerInterval`.
    var localInterval: Duration = .milliseconds(200)
    var peerInterval: Duration = .seconds(1)

    private typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    func routes() -> [UnaryRoute] {
        [
            UnaryRoute.typed(path: HealthServiceMethod.check.path, logger: logger) {
                (request: Grpc_Health_V1_HealthCheckRequest, _) throws(EngineError) -> Grpc_Health_V1_HealthCheckResponse in
                var response = Grpc_Health_V1_HealthCheckResponse()
                response.status = await status(of: request.service)
                guard response.status != .serviceUnknown else {
                    throw .notFound("unknown service '\(request.service)'")
                }
                return response
            }
        ]
    }

    /// Watch, registered with `GRPCServer.register(streamingMethod:handler:)`.
    var watch: (path: String, handler: StreamingHandler) {
        (HealthServiceMethod.watch.path, { first, stream, context in
            let request: Grpc_Health_V1_HealthCheckRequest
            do {
                request = try Grpc_Health_V1_HealthCheckRequest(serializedBytes: first)
            } catch {
                throw GRPCStatus(.invalidArgument, "request is not a valid grpc.health.v1.HealthCheckRequest message")
            }
            logger.debug("health watch", metadata: ["service": "\(request.service)", "peer": "\(context.peer.address)"])
            let interval = peerPartyId(request.service) == nil ? localInterval : peerInterval
            var last: Status?
            while !stream.isCancelled {
                let current = await status(of: request.service)
                if current != last {
                    var response = Grpc_Health_V1_HealthCheckResponse()
                    response.status = current
                    guard stream.send(try response.serializedBytes()) else { return }
                    last = current
                }
                // A stopping core says NOT_SERVING, then ends the stream so that shutdown does not wait for it.
                if !state.isServing { return }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        })
    }

    private func status(of service: String) async -> Status {
        if service.isEmpty || serviceNames.contains(service) {
            return state.isServing ? .serving : .notServing
        }
        guard let party = peerPartyId(service) else { return .serviceUnknown }
        guard state.isServing else { return .notServing }
        if party == partyId { return .serving }
        guard let probe = await prober?.probe(partyId: party, timeout: peerInterval) else { return .serviceUnknown }
        return probe.error == nil ? .serving : .notServing
    }

    /// The party id of a `kms.peer.<id>` service name of this cluster, or nil.
    private func peerPartyId(_ service: String) -> Int? {
        guard partyId != nil, service.hasPrefix(Self.peerServicePrefix),
              let party = Int(service.dropFirst(Self.peerServicePrefix.count)), party > 0 else { return nil }
        guard party == partyId || prober?.peerPartyIds.contains(party) == true else { return nil }
        return party
    }
}
