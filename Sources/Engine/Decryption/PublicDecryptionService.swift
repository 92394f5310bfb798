import Algebra
import FHEKeys
import Foundation
import KMSAPI
import Logging
import MPCProtocols
import SecureMemory
import Signatures

/// PublicDecrypt / GetPublicDecryptionResult / PublicDecryptSync of one core (DESIGN §3.5, §4): every core
/// receives the same request; a threshold core runs `ThresholdDecryption.publicDecrypt` with the others under a
/// session derived from the request id, a centralized core decrypts with its key. The answer carries the
/// plaintexts, an EIP-712 `PublicDecryptVerification` signature and a signature over the payload.
/// Requests live in a bounded table (`[decryption] result_cache_capacity`); a failed one may be retried under
/// its id.
actor PublicDecryptionService {
    enum State: Sendable {
        case running(Task<Void, Never>)
        case done(Kms_V1_PublicDecryptionResponse)
        case failed(EngineError)
    }

    let mode: KeyGenerationService.Mode
    let store: KeyStore?
    let signer: OperatorKey
    let limiter: RateLimiter
    let settings: CoreConfiguration.Decryption
    let logger: Logger
    private var requests: [RequestIdentifier: State] = [:]
    /// Request ids in the order they were first accepted (eviction order).
    private var order: [RequestIdentifier] = []
    private var plans: [String: ThresholdDecryptionPlan] = [:]

    init(mode: KeyGenerationService.Mode, store: KeyStore?, signer: OperatorKey, limiter: RateLimiter,
         settings: CoreConfiguration.Decryption, logger: Logger) {
        self.mode = mode
        self.store = store
        self.signer = signer
        self.limiter = limiter
        self.settings = settings
        self.logger = logger
    }

    /// Checks the request and starts its decryption in the background; returns the task that runs it.
    @discardableResult
    func start(_ request: Kms_V1_PublicDecryptionRequest) async throws(EngineError) -> Task<Void, Never> {
        let id = try RequestIdentifierChecks.required(request.requestID, present: request.hasRequestID, field: "request_id")
        let keyID = try RequestIdentifierChecks.required(request.keyID, present: request.hasKeyID, field: "key_id")
        _ = try RequestIdentifierChecks.optional(request.contextID, present: request.hasContextID, field: "context_id")
        let epochID = try RequestIdentifierChecks.optional(request.epochID, present: request.hasEpochID, field: "epoch_id")
        let domain = try OperatorKey.domain(request.domain, present: request.hasDomain)
        try checkFree(id)
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
        try limiter.admit(.publicDecryption)
        let epoch: Epoch?
        if case .threshold(let engine) = mode { epoch = try await engine.epoch(epochID) } else { epoch = nil }
        let plan = try epoch.map { epoch throws(EngineError) in try self.plan(parameters, partyCount: epoch.party.partyCount, threshold: epoch.party.threshold) }

        // From here to the table entry there is no suspension point (actor reentrancy).
        try checkFree(id)
        try makeRoom()
        let extraData = Array(request.extraData)
        let task = Task {
            let outcome: Result<Kms_V1_PublicDecryptionResponse, EngineError>
            do {
                let values = try await Self.decrypt(inputs, keyID: keyID, store: store, epoch: epoch, plan: plan, session: Self.session(id))
                outcome = .success(try self.answer(id: id, inputs: inputs, values: values, domain: domain, extraData: extraData))
            } catch {
                outcome = .failure(KeyGenerationService.failure(error, what: "decryption"))
            }
            self.finish(id, outcome)
        }
        if requests[id] == nil { order.append(id) }
        requests[id] = .running(task)
        logger.debug("public decryption started", metadata: ["request_id": "\(id)", "key_id": "\(keyID)", "ciphertexts": "\(inputs.count)"])
        return task
    }

    /// The result, waiting up to `[decryption] long_poll_milliseconds` while it runs.
    func result(_ id: RequestIdentifier) async throws(EngineError) -> Kms_V1_PublicDecryptionResponse {
        let clock = ContinuousClock(), end = clock.now + .milliseconds(settings.longPollMilliseconds)
        while case .running = requests[id], clock.now < end {
            try? await Task.sleep(for: .milliseconds(5))
        }
        switch requests[id] {
        case .running: throw .unavailable("decryption \(id) is running")
        case .failed(let error): throw error
        case .done(let response): return response
        case nil: throw .notFound("no decryption \(id)")
        }
    }

    /// PublicDecryptSync: start, wait for the end, answer.
    func decryptNow(_ request: Kms_V1_PublicDecryptionRequest) async throws(EngineError) -> Kms_V1_PublicDecryptionResponse {
        let task = try await start(request)
        await task.value
        let id = try RequestIdentifierChecks.required(request.requestID, present: request.hasRequestID, field: "request_id")
        switch requests[id] {
        case .done(let response): return response
        case .failed(let error): throw error
        case .running, nil: throw .internalFailure("decryption \(id) has no result")
        }
    }

    private func checkFree(_ id: RequestIdentifier) throws(EngineError) {
        switch requests[id] {
        case nil, .failed: return
        case .running, .done: throw .alreadyExists("decryption \(id) exists")
        }
    }

    /// Drops the oldest finished requests while the table is full; refuses when every entry is still running.
    private func makeRoom() throws(EngineError) {
        var index = 0
        while requests.count >= settings.resultCacheCapacity, index < order.count {
            let candidate = order[index]
            if case .running = requests[candidate] {
                index += 1
            } else {
                requests.removeValue(forKey: candidate)
                order.remove(at: index)
            }
        }
        guard requests.count < settings.resultCacheCapacity else {
            throw .resourceExhausted("\(requests.count) decryptions are running (decryption.result_cache_capacity)")
        }
    }

    private func finish(_ id: RequestIdentifier, _ outcome: Result<Kms_V1_PublicDecryptionResponse, EngineError>) {
        switch outcome {
        case .success(let response):
            requests[id] = .done(response)
        case .failure(let error):
            requests[id] = .failed(error)
            logger.error("public decryption failed", metadata: ["request_id": "\(id)", "error": "\(error)"])
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

    static func session(_ id: RequestIdentifier) -> SessionID { SessionID.root(requestID: id.bytes, label: "public-decrypt") }

    /// The plaintext values, by the MPC protocol (threshold) or with the whole key (centralized).
    static func decrypt(
        _ inputs: [DecryptionInput], keyID: RequestIdentifier, store: KeyStore, epoch: Epoch?, plan: ThresholdDecryptionPlan?,
        session: SessionID
    ) async throws -> [RadixValue] {
        var share = try await store.share(keyID: keyID.hex)
        defer { share.wipe() }
        let parameters = share.parameters
        let blocks = inputs.flatMap(\.ciphertext.blocks)
        let messages: [UInt64]
        if let epoch, let plan {
            // The closure's copy of the shares is released when `run` returns, so that `share.wipe()` clears the
            // only remaining buffer in place.
            let secretShares = share.smallKey
            messages = try await ComputeExecutor.shared.run {
                var random = SecureRandom()
                var material = try await DecryptionMaterial.generate(
                    blockCount: blocks.count, plan: plan, prss: epoch.prss, context: epoch.party, session: session, using: &random)
                defer { material.wipe() }
                return try await ThresholdDecryption.publicDecrypt(
                    blocks: blocks, secretShares: secretShares, material: material, context: epoch.party, session: session)
            }
        } else {
            let key = try share.centralizedClientKey()
            messages = blocks.map { key.decrypt($0) }
        }
        var values: [RadixValue] = []
        var offset = 0
        for input in inputs {
            let count = input.ciphertext.blocks.count
            values.append(try DecryptionInput.value(of: messages[offset..<(offset + count)], type: input.type, parameters: parameters))
            offset += count
        }
        return values
    }

    /// The signed answer: plaintexts, the EIP-712 signature over (handles, abi-encoded values, extra data), and
    /// this core's signature over the serialized payload (Keccak-256 of its bytes).
    private func answer(
        id: RequestIdentifier, inputs: [DecryptionInput], values: [RadixValue], domain: EIP712Domain?, extraData: [UInt8]
    ) throws(EngineError) -> Kms_V1_PublicDecryptionResponse {
        var payload = Kms_V1_PublicDecryptionResponsePayload()
        payload.verificationKey = Data(signer.key.publicKey)
        payload.requestID.requestID = id.hex
        payload.plaintexts = zip(inputs, values).map { input, value in
            var plaintext = Kms_V1_TypedPlaintext()
            plaintext.bytes = Data(DecryptionInput.plaintextBytes(value, type: input.type))
            plaintext.fheType = DecryptionInput.protoType(input.type)
            plaintext.externalHandle = Data(input.handle)
            return plaintext
        }
        var response = Kms_V1_PublicDecryptionResponse()
        do {
            let message = try PublicDecryptVerification(
                ctHandles: inputs.map(\.handle), decryptedResult: try abiEncodeUInt256s(values.map(\.bigEndianBytes)), extraData: extraData)
            response.externalSignature = Data(try signer.sign(message, domain: domain))
            let payloadBytes: [UInt8] = try payload.serializedBytes()
            response.signature = Data(try signer.key.sign(digest: Keccak256.hash(payloadBytes)).bytes)
        } catch let error as EngineError {
            throw error
        } catch {
            throw .internalFailure("signing the decryption failed")
        }
        response.payload = payload
        response.extraData = Data(extraData)
        return response
    }
}
