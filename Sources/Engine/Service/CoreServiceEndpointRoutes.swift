import GRPCCore
import KMSAPI
import Logging
import SwiftProtobuf

/// kms.v1.CoreServiceEndpoint: maps each RPC to its handler. Every RequestId in a request is validated first;
/// RPCs whose engine is not built yet then answer UNIMPLEMENTED and say so (nothing pretends to work).
struct CoreServiceEndpointRoutes: Sendable {
    let configuration: CoreConfiguration
    let inventory: KeyMaterialInventory
    let prober: PeerHealthProber?
    let engine: ThresholdEngine?
    let keyGeneration: KeyGenerationService
    let decryption: DecryptionService
    let logger: Logger

    typealias Check = RequestIdentifierChecks

    func routes() -> [UnaryRoute] {
        MpcRoutes(engine: engine, logger: logger).routes() + KeyGenRoutes(service: keyGeneration, logger: logger).routes()
            + DecryptionRoutes(decryption: decryption, logger: logger).routes() + [
            notBuilt(.crsGen) { (request: Kms_V1_CrsGenRequest) throws(EngineError) in
                try Check.required(request.requestID, present: request.hasRequestID, field: "request_id")
                try Check.optional(request.contextID, present: request.hasContextID, field: "context_id")
            },
            notBuilt(.getCrsGenResult, validatingRequestId),
            notBuilt(.abortCrsGen, validatingRequestId),
            notBuilt(.newCustodianContext) { (request: Kms_V1_NewCustodianContextRequest) throws(EngineError) in
                try Check.required(request.contextID, present: request.hasContextID, field: "context_id")
            },
            notBuilt(.custodianRecoveryInit) { (request: Kms_V1_CustodianRecoveryInitRequest) throws(EngineError) in
                try Check.required(request.contextID, present: request.hasContextID, field: "context_id")
            },
            notBuilt(.custodianBackupRecovery) { (request: Kms_V1_CustodianBackupRecoveryRequest) throws(EngineError) in
                try Check.required(request.contextID, present: request.hasContextID, field: "context_id")
            },
            UnaryRoute.typed(path: CoreServiceMethod.getKeyMaterialAvailability.path, logger: logger) {
                (_: Kms_V1_Empty, _) in await keyMaterialAvailability()
            },
            UnaryRoute.typed(path: CoreServiceMethod.getHealthStatus.path, logger: logger) {
                (_: Kms_V1_Empty, _) in await healthStatus()
            },
        ]
    }

    // MARK: Implemented RPCs

    func keyMaterialAvailability() async -> Kms_V1_KeyMaterialAvailability {
        var answer = Kms_V1_KeyMaterialAvailability()
        answer.fheKeyIds = await keyGeneration.store?.records.keys.sorted() ?? []
        answer.crsIds = inventory.crsIds
        answer.preprocessingIds = await keyGeneration.preprocessingIDs
        answer.storageInfo = keyGeneration.vault?.backend.location ?? inventory.storageInfo
        return answer
    }

    func healthStatus() async -> Kms_V1_HealthStatus {
        var status = Kms_V1_HealthStatus()
        status.version = KMSVersion.current
        status.deploymentType = configuration.deploymentType
        status.state = .serving
        if let store = keyGeneration.store {
            status.keyIds = await store.records.keys.sorted()
            status.refusedKeys = await store.refused.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        }
        guard let threshold = configuration.threshold else { return status }
        status.partyID = UInt32(threshold.partyId)
        status.threshold = UInt32(threshold.threshold)
        status.numParties = UInt32(threshold.partyCount)
        status.mpcBytesSent = UInt64(await engine?.epochs.bytesSent() ?? 0)
        let delivered = await engine?.epochs.bytesDeliveredPerPeer() ?? [:]
        status.decryptionPoolBlocks = UInt64(await decryption.pool?.level ?? 0)
        if let engine {
            let defaultEpoch = engine.defaultContext.defaultEpochIdentifier
            status.epochs = await engine.epochs.readyEpochIDs().map { $0 == defaultEpoch ? "\($0.hex) (default)" : $0.hex }
        }
        let probes = await prober?.probeAll() ?? []
        status.peers = probes.map { probe in
            var peer = Kms_V1_PeerHealth()
            peer.partyID = UInt32(probe.partyId)
            peer.address = probe.address
            peer.reachable = probe.error == nil
            peer.latencyMicros = probe.latencyMicros
            peer.error = probe.error ?? ""
            peer.bytesDelivered = UInt64(delivered[probe.partyId] ?? 0)
            return peer
        }
        if status.peers.contains(where: { !$0.reachable }) { status.state = .degraded }
        return status
    }

    // MARK: Validation shared by several RPCs

    private func validatingRequestId(_ request: Kms_V1_RequestId) throws(EngineError) {
        _ = try RequestIdentifier(validating: request.requestID, field: "request_id")
    }

    private func notBuilt<Request: SwiftProtobuf.Message>(
        _ method: CoreServiceMethod, _ validate: @escaping @Sendable (Request) throws(EngineError) -> Void
    ) -> UnaryRoute {
        UnaryRoute.notBuilt(path: method.path, name: method.rawValue, logger: logger, validate)
    }
}
