import GRPCCore
import KMSAPI
import Logging
import SwiftProtobuf

/// The context, epoch and bandwidth RPCs of kms.v1.CoreServiceEndpoint. On a centralized core they answer
/// ABORTED (wrong mode, DESIGN §4).
struct MpcRoutes: Sendable {
    let engine: ThresholdEngine?
    let logger: Logger

    typealias Check = RequestIdentifierChecks

    func routes() -> [UnaryRoute] {
        [
            route(.newMpcContext) { (request: Kms_V1_NewMpcContextRequest, engine) -> Kms_V1_Empty in
                guard request.hasContext else { throw EngineError.invalidArgument("context: missing") }
                let id = try Check.required(request.context.contextID, present: request.context.hasContextID, field: "context.context_id")
                try await engine.epochs.addContext(try validatedContext(request.context, id: id, engine: engine))
                return Kms_V1_Empty()
            },
            route(.destroyMpcContext) { (request: Kms_V1_DestroyMpcContextRequest, engine) -> Kms_V1_Empty in
                let id = try Check.required(request.contextID, present: request.hasContextID, field: "context_id")
                guard id != engine.defaultContext.id else {
                    throw EngineError.invalidArgument("context_id: the default context comes from the configuration")
                }
                try await engine.epochs.destroyContext(id)
                return Kms_V1_Empty()
            },
            route(.newMpcEpoch) { (request: Kms_V1_NewMpcEpochRequest, engine) -> Kms_V1_Empty in
                let id = try Check.required(request.epochID, present: request.hasEpochID, field: "epoch_id")
                let context = try Check.optional(request.contextID, present: request.hasContextID, field: "context_id")
                try Check.optional(request.previousEpochID, present: request.hasPreviousEpochID, field: "previous_epoch_id")
                guard request.keyIds.isEmpty, !request.hasPreviousEpochID || request.previousEpochID.requestID.isEmpty else {
                    throw EngineError.unimplemented("resharing keys into a new epoch is not implemented yet")
                }
                try await engine.epochs.startEpoch(id, contextID: context ?? engine.defaultContext.id)
                return Kms_V1_Empty()
            },
            route(.getEpochResult) { (request: Kms_V1_RequestId, engine) -> Kms_V1_EpochResult in
                let id = try RequestIdentifier(validating: request.requestID, field: "request_id")
                let epoch = try await engine.epochs.epoch(id)
                var result = Kms_V1_EpochResult()
                result.epochID.requestID = epoch.id.hex
                result.contextID.requestID = epoch.contextID.hex
                return result
            },
            route(.destroyMpcEpoch) { (request: Kms_V1_DestroyMpcEpochRequest, engine) -> Kms_V1_Empty in
                let id = try Check.required(request.epochID, present: request.hasEpochID, field: "epoch_id")
                try await engine.epochs.destroyEpoch(id)
                return Kms_V1_Empty()
            },
            route(.bandwidthBenchmark) { (request: Kms_V1_BandwidthBenchmarkRequest, engine) -> Kms_V1_BandwidthBenchmarkResult in
                let peers = try await engine.bandwidth(
                    payloadBytes: Int(clamping: request.payloadBytes), repetitions: Int(max(1, request.repetitions)))
                var result = Kms_V1_BandwidthBenchmarkResult()
                result.partyID = UInt32(engine.partyID)
                result.peers = peers
                for peer in peers where peer.error.isEmpty { result.bytesPerSecond[peer.partyID] = peer.bytesPerSecond }
                return result
            },
        ]
    }

    /// A context may only name parties this core's configuration pins (same id and identity); their peer
    /// endpoints may differ from the configured ones.
    private func validatedContext(_ message: Kms_V1_MpcContext, id: RequestIdentifier, engine: ThresholdEngine) throws(EngineError) -> MpcContext {
        let pinned = Dictionary(uniqueKeysWithValues: engine.defaultContext.parties.map { ($0.partyId, $0.identity) })
        var parties: [PeerLinks.Party] = []
        for (index, node) in message.nodes.enumerated() {
            let party = Int(node.partyID)
            let identity = node.identity.isEmpty ? "kms-core-\(party)" : node.identity
            guard pinned[party] == identity else {
                throw .invalidArgument("context.nodes[\(index)]: party \(party) with identity '\(identity)' is not pinned in this core's configuration")
            }
            guard node.address.contains(":") else {
                throw .invalidArgument("context.nodes[\(index)].address: expected host:port, got '\(node.address)'")
            }
            parties.append(PeerLinks.Party(partyId: party, address: node.address, identity: identity))
        }
        return try MpcContext(id: id, threshold: Int(message.threshold), parties: parties)
    }

    private func route<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: CoreServiceMethod, _ body: @escaping @Sendable (Request, ThresholdEngine) async throws -> Response
    ) -> UnaryRoute {
        UnaryRoute.typed(path: method.path, logger: logger) { (request: Request, _) in
            guard let engine else { throw EngineError.aborted("\(method.rawValue) needs a threshold core; this one is centralized") }
            return try await body(request, engine)
        }
    }
}
