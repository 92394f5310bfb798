import Algebra
import FHEKeys
import Foundation
import KMSAPI
import Logging
import MPCProtocols
import SecureMemory
import Signatures
import SwiftProtobuf

/// Public and user decryption of one core (DESIGN §3.5, §4): every core receives the same request; a threshold
/// core runs `ThresholdDecryption` with the others under a session derived from the request id and its kind, a
/// centralized core decrypts with its key. Public answers carry the plaintexts (`DecryptionService+Public`), user
/// answers this core's re-randomized shares encrypted to the user (`DecryptionService+User`). Each kind's
/// requests live in a bounded table (`[decryption] result_cache_capacity`); a failed one may be retried under its id.
actor DecryptionService {
    let mode: KeyGenerationService.Mode
    let store: KeyStore?
    let signer: OperatorKey
    let limiter: RateLimiter
    let settings: CoreConfiguration.Decryption
    /// Insecure test mode only (`[test_misbehaviour] mode = "wrong-user-shares"`).
    let wrongUserShares: Bool
    let logger: Logger
    var publicRequests: DecryptionRequestTable<Kms_V1_PublicDecryptionResponse>
    var userRequests: DecryptionRequestTable<Kms_V1_UserDecryptionResponse>
    private var plans: [String: ThresholdDecryptionPlan] = [:]
    /// The default epoch's pool of preprocessed blocks, once that epoch is ready (threshold, pool_target_blocks > 0).
    private(set) var pool: DecryptionPool?
    private var poolStarter: Task<Void, Never>?

    init(mode: KeyGenerationService.Mode, store: KeyStore?, signer: OperatorKey, limiter: RateLimiter,
         settings: CoreConfiguration.Decryption, wrongUserShares: Bool = false, logger: Logger) {
        self.mode = mode
        self.store = store
        self.signer = signer
        self.limiter = limiter
        self.settings = settings
        self.wrongUserShares = wrongUserShares
        self.logger = logger
        publicRequests = DecryptionRequestTable(capacity: settings.resultCacheCapacity, what: "public decryption")
        userRequests = DecryptionRequestTable(capacity: settings.resultCacheCapacity, what: "user decryption")
    }

    /// A request after its checks: the key it names, its ciphertexts and where the protocol runs.
    struct Prepared: Sendable {
        let id: RequestIdentifier
        let keyID: RequestIdentifier
        let inputs: [DecryptionInput]
        let parameters: FHEParameters
        let store: KeyStore
        let epoch: Epoch?
        let plan: ThresholdDecryptionPlan?
        let domain: EIP712Domain?
        let extraData: [UInt8]
        /// The pool of the request's epoch, if it has one.
        let pool: DecryptionPool?
        /// SHA3-256 of what the cores must agree on: kind, key id and every ciphertext (type and bytes).
        let digest: [UInt8]
    }

    /// The checks both kinds share (ids, domain, key, ciphertexts, rate limit, epoch); `isFree` is the kind's table.
    func prepare(_ request: some DecryptionRequest, kind: RateLimiter.Kind, isFree: (RequestIdentifier) throws(EngineError) -> Void)
        async throws(EngineError) -> Prepared
    {
        let id = try RequestIdentifierChecks.required(request.requestID, present: request.hasRequestID, field: "request_id")
        let keyID = try RequestIdentifierChecks.required(request.keyID, present: request.hasKeyID, field: "key_id")
        _ = try RequestIdentifierChecks.optional(request.contextID, present: request.hasContextID, field: "context_id")
        let epochID = try RequestIdentifierChecks.optional(request.epochID, present: request.hasEpochID, field: "epoch_id")
        let domain = try OperatorKey.domain(request.domain, present: request.hasDomain)
        try isFree(id)
        guard let store else { throw .failedPrecondition("this core holds no keys (no [vault])") }
        guard let record = await store.records[keyID.hex] else {
            if let reason = await store.refused[keyID.hex] { throw .failedPrecondition("key \(keyID) is refused: \(reason)") }
            throw .notFound("no key \(keyID)")
        }
        let centralized: Bool
        if case .centralized = mode { centralized = true } else { centralized = false }
        guard (record.mode == "centralized") == centralized else {
            throw .failedPrecondition("key \(keyID) was made by a \(record.mode) key generation; this core is \(centralized ? "centralized" : "a threshold core")")
        }
        let parameters: FHEParameters
        do { parameters = try FHEParameters.withID(record.parameterSet) } catch { throw .internalFailure("key \(keyID) has an unknown parameter set") }
        let inputs = try DecryptionInput.parse(request.ciphertexts, parameters: parameters, limit: settings.batchLimit)
        try limiter.admit(kind)
        let epoch: Epoch?
        if case .threshold(let engine) = mode { epoch = try await engine.epoch(epochID) } else { epoch = nil }
        let plan = try epoch.map { epoch throws(EngineError) in try self.plan(parameters, partyCount: epoch.party.partyCount, threshold: epoch.party.threshold) }
        let requestPool = pool.flatMap { $0.epoch.id == epoch?.id ? $0 : nil }
        // What the cores bind pool material to: the kind, the key and every ciphertext (type, length, its digest).
        var content = Array("\(kind)".utf8) + [0] + keyID.bytes
        for (ciphertext, input) in zip(request.ciphertexts, inputs) {
            content += withUnsafeBytes(of: Int64(ciphertext.fheType.rawValue).bigEndian, Array.init)
            content += withUnsafeBytes(of: UInt64(ciphertext.ciphertext.count).bigEndian, Array.init)
            content += input.contentHash
        }
        return Prepared(
            id: id, keyID: keyID, inputs: inputs, parameters: parameters, store: store, epoch: epoch, plan: plan, domain: domain,
            extraData: Array(request.extraData), pool: requestPool, digest: SHA3_256.hash(content))
    }

    /// Starts the pool once the default epoch is ready (threshold cores with `pool_target_blocks` > 0).
    func startPool() {
        guard case .threshold(let engine) = mode, settings.poolTargetBlocks > 0, poolStarter == nil else { return }
        poolStarter = Task {
            while !Task.isCancelled {
                if let epoch = try? await engine.epoch(nil) {
                    await self.install(epoch, inbox: engine.inbox)
                    return
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func install(_ epoch: Epoch, inbox: PeerInbox) async {
        let n = epoch.party.partyCount, t = epoch.party.threshold
        let plans = FHEParameters.all.compactMap { try? ThresholdDecryptionPlan(parameters: $0, partyCount: n, threshold: t) }
        guard let unit = plans.max(by: { ($0.bitsPerBlock, $0.triplesPerBlock) < ($1.bitsPerBlock, $1.triplesPerBlock) }),
              plans.allSatisfy({ $0.bitsPerBlock <= unit.bitsPerBlock && $0.triplesPerBlock <= unit.triplesPerBlock }) else {
            logger.warning("decryption pool: no plan covers every parameter set; no pool")
            return
        }
        let pool = DecryptionPool(epoch: epoch, unit: unit, settings: settings, logger: logger)
        await pool.start(inbox: inbox)
        self.pool = pool
        logger.info("decryption pool started", metadata: ["epoch": "\(epoch.id)", "target_blocks": "\(settings.poolTargetBlocks)"])
    }

    /// Stops the pool and wipes its blocks.
    func stopPool() async {
        poolStarter?.cancel()
        if let pool, case .threshold(let engine) = mode { await pool.stop(inbox: engine.inbox) }
        pool = nil
    }

    /// Runs the protocol of `prepared` in the background (session from its id and kind), builds the answer from
    /// the block outputs (wiped afterwards), and hands the outcome to `finish` (the kind's table); failures are logged.
    func background<Response: Sendable>(
        _ prepared: Prepared, user: Bool,
        answer: @escaping @Sendable (Prepared, [FieldElement], Set<Int>) async throws(EngineError) -> Response,
        finish: @escaping @Sendable (Result<Response, EngineError>) async -> Void
    ) -> Task<Void, Never> {
        let what = user ? "user decryption" : "public decryption"
        logger.debug("\(what) started", metadata: ["request_id": "\(prepared.id)", "key_id": "\(prepared.keyID)", "ciphertexts": "\(prepared.inputs.count)"])
        return Task {
            let outcome: Result<Response, EngineError>
            do {
                let session = SessionID.root(requestID: prepared.id.bytes, label: user ? "user-decrypt" : "public-decrypt")
                var (outputs, provenWrong) = try await Self.blockOutputs(prepared, session: session, user: user)
                defer { for index in outputs.indices { outputs[index] = .zero } }
                if !provenWrong.isEmpty {
                    self.logger.warning("\(what): cores sent wrong shares", metadata: [
                        "request_id": "\(prepared.id)", "parties": "\(provenWrong.sorted())"])
                }
                outcome = .success(try await answer(prepared, outputs, provenWrong))
            } catch {
                outcome = .failure(KeyGenerationService.failure(error, what: what))
            }
            if case .failure(let error) = outcome {
                self.logger.error("\(what) failed", metadata: ["request_id": "\(prepared.id)", "error": "\(error)"])
            }
            await finish(outcome)
        }
    }

    /// Waits up to `[decryption] long_poll_milliseconds` while `running(id)` holds.
    func longPoll(_ id: RequestIdentifier, running: () -> Bool) async {
        let clock = ContinuousClock(), end = clock.now + .milliseconds(settings.longPollMilliseconds)
        while running(), clock.now < end {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func plan(_ parameters: FHEParameters, partyCount: Int, threshold: Int) throws(EngineError) -> ThresholdDecryptionPlan {
        let key = "\(parameters.id)/\(partyCount)/\(threshold)"
        if let plan = plans[key] { return plan }
        do {
            let plan = try ThresholdDecryptionPlan(parameters: parameters, partyCount: partyCount, threshold: threshold)
            plans[key] = plan
            return plan
        } catch {
            throw .failedPrecondition("threshold decryption is not possible here: \(error)")
        }
    }

    /// One value per block of every ciphertext, in order: the opened messages (public), or this core's
    /// re-randomized degree-t shares of them (user; a centralized core's "share" is the message, degree 0); and
    /// the parties this core's robust opens proved to have sent wrong shares in this request.
    static func blockOutputs(_ prepared: Prepared, session: SessionID, user: Bool) async throws -> ([FieldElement], Set<Int>) {
        var share = try await prepared.store.share(keyID: prepared.keyID.hex)
        defer { share.wipe() }
        let blocks = prepared.inputs.flatMap(\.ciphertext.blocks)
        guard let epoch = prepared.epoch, let plan = prepared.plan else {
            let key = try share.centralizedClientKey()
            return (blocks.map { FieldElement(key.decrypt($0)) }, [])
        }
        // The closure's copy of the shares is released when `run` returns, so that `share.wipe()` clears the
        // only remaining buffer in place.
        let secretShares = share.smallKey
        let started = ContinuousClock.now
        defer { KMSMetrics.recordDecryptionSession(kind: user ? "user" : "public", duration: ContinuousClock.now - started) }
        let pool = prepared.pool
        // The request's own meter (folded into the epoch's afterwards), so that the parties proven wrong are this
        // request's.
        let meter = CommunicationMeter()
        let shared = epoch.party
        let party = try PartyContext(network: shared.network, threshold: shared.threshold, timeout: shared.timeout, deadline: shared.deadline, meter: meter)
        defer { shared.meter.add(meter) }
        let outputs = try await ComputeExecutor.shared.run {
            var material: DecryptionMaterial
            if let pool, let poolBlocks = try await PoolAssignment.run(
                pool: pool, request: session, requestID: prepared.id, digest: prepared.digest, blocks: blocks.count, context: party),
               var taken = await pool.take(poolBlocks, for: session, plan: plan) {
                defer {
                    zeroize(&taken.bits)
                    zeroize(&taken.triples)
                }
                material = try DecryptionMaterial(
                    plan: plan, blockCount: blocks.count, bits: taken.bits, triples: taken.triples, prss: epoch.prss, session: session)
                KMSMetrics.recordPoolAssignment(fromPool: true)
            } else {
                material = try await DecryptionMaterial.generate(
                    blockCount: blocks.count, plan: plan, prss: epoch.prss, context: party, session: session)
                if pool != nil { KMSMetrics.recordPoolAssignment(fromPool: false) }
            }
            defer { material.wipe() }
            if user {
                return try await ThresholdDecryption.userDecryptShares(
                    blocks: blocks, secretShares: secretShares, material: material, context: party, session: session)
            }
            return try await ThresholdDecryption.publicDecrypt(
                blocks: blocks, secretShares: secretShares, material: material, context: party, session: session
            ).map { FieldElement($0) }
        }
        return (outputs, meter.provenWrong)
    }

    /// `outputs` cut into one slice per ciphertext.
    static func perCiphertext<Element>(_ outputs: [Element], _ inputs: [DecryptionInput]) -> [ArraySlice<Element>] {
        var offset = 0
        return inputs.map { input in
            defer { offset += input.ciphertext.blocks.count }
            return outputs[offset..<(offset + input.ciphertext.blocks.count)]
        }
    }

    /// Signs the serialized payload (Keccak-256 of its bytes) with this core's key.
    func payloadSignature(_ payload: some SwiftProtobuf.Message) throws(EngineError) -> Data {
        do {
            let bytes: [UInt8] = try payload.serializedBytes()
            return Data(try signer.key.sign(digest: Keccak256.hash(bytes)).bytes)
        } catch {
            throw .internalFailure("signing the decryption failed")
        }
    }
}

/// The fields PublicDecryptionRequest and UserDecryptionRequest have in common.
protocol DecryptionRequest: Sendable {
    var requestID: Kms_V1_RequestId { get }
    var hasRequestID: Bool { get }
    var keyID: Kms_V1_RequestId { get }
    var hasKeyID: Bool { get }
    var contextID: Kms_V1_RequestId { get }
    var hasContextID: Bool { get }
    var epochID: Kms_V1_RequestId { get }
    var hasEpochID: Bool { get }
    var domain: Kms_V1_Eip712Domain { get }
    var hasDomain: Bool { get }
    var ciphertexts: [Kms_V1_TypedCiphertext] { get }
    var extraData: Data { get }
}

extension Kms_V1_PublicDecryptionRequest: DecryptionRequest {}
extension Kms_V1_UserDecryptionRequest: DecryptionRequest {}
