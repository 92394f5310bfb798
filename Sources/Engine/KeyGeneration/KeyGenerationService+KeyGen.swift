import Algebra
import FHEKeys
import Foundation
import KMSAPI
import MPCProtocols
import SecureMemory
import Signatures
import Vault

/// KeyGen and InsecureKeyGen: the threshold DKG on a consumed preprocessing, the test-only generation from a
/// jointly opened seed, or (centralized) the key generated in the clear; all store the same objects and sign
/// the same KeygenVerification.
extension KeyGenerationService {
    enum Generation: Sendable {
        case threshold(material: ObjectID, epoch: Epoch)
        case insecure(epoch: Epoch)
        case centralized
    }

    func startKeyGeneration(_ request: Kms_V1_KeyGenRequest, insecure: Bool) async throws(EngineError) {
        let id = try RequestIdentifierChecks.required(request.requestID, present: request.hasRequestID, field: "request_id")
        let parameters = try Self.parameters(request.params)
        let domain = try OperatorKey.domain(request.domain, present: request.hasDomain)
        let preprocessingID = try RequestIdentifierChecks.optional(request.preprocID, present: request.hasPreprocID, field: "preproc_id")
        let epochID = try RequestIdentifierChecks.optional(request.epochID, present: request.hasEpochID, field: "epoch_id")
        guard keyGenerations[id] == nil else { throw .alreadyExists("key generation \(id) exists") }
        guard let store else { throw .failedPrecondition("key generation needs a [vault] to keep key shares encrypted") }
        try limiter.admit(insecure ? .insecureKeyGeneration : .keyGeneration)

        let generation: Generation
        switch mode {
        case .centralized:
            generation = .centralized
        case .threshold(let engine):
            let epoch = try await engine.epoch(epochID)
            if insecure {
                generation = .insecure(epoch: epoch)
            } else {
                guard let preprocessingID else { throw .invalidArgument("preproc_id: required for a threshold key generation") }
                generation = .threshold(material: try Self.materialID(preprocessingID), epoch: epoch)
            }
        }
        // Checks and state changes from here on have no suspension point between them (actor reentrancy).
        guard keyGenerations[id] == nil else { throw .alreadyExists("key generation \(id) exists") }
        if let preprocessingID, !insecure {
            try consume(preprocessingID, by: id, parameters: parameters)
        } else if case .threshold = generation {
            throw .invalidArgument("preproc_id: required for a threshold key generation")
        }
        try await store.reserve(id.hex)
        if let preprocessingID, !insecure, case .done(let record) = preprocessings[preprocessingID] {
            // Persist the consumption before any work: after a crash the preprocessing stays used.
            do {
                try await vault?.putPrivate(SecretBytes(try record.encoded()), id: try ObjectID(kind: PreprocessingRecord.kind, name: preprocessingID.hex))
            } catch {
                await store.release(id.hex)
                throw .internalFailure("cannot record the preprocessing as used")
            }
        }
        let progress = Progress()
        keyGenerations[id] = .running(progress)
        if insecure { insecureRequests.insert(id) }
        logger.info("key generation started", metadata: [
            "request_id": "\(id)", "parameters": "\(parameters.name)", "insecure": "\(insecure)",
            "preprocessing": "\(preprocessingID?.hex ?? "none")"])
        tasks[id] = Task { [generation] in
            let outcome: Result<KeySetRecord, EngineError>
            do {
                outcome = .success(try await self.generate(
                    id: id, parameters: parameters, generation: generation, preprocessingID: preprocessingID, domain: domain,
                    progress: progress, store: store))
            } catch {
                await store.release(id.hex)
                outcome = .failure(Self.failure(error, what: "key generation"))
            }
            self.finishKeyGeneration(id, outcome)
        }
    }

    /// Marks a done, unused preprocessing of the same parameter set as consumed by `keyID` (in memory; the
    /// caller persists it).
    private func consume(_ preprocessingID: RequestIdentifier, by keyID: RequestIdentifier, parameters: FHEParameters) throws(EngineError) {
        switch preprocessings[preprocessingID] {
        case nil: throw .notFound("no preprocessing \(preprocessingID)")
        case .running: throw .failedPrecondition("preprocessing \(preprocessingID) is still running")
        case .failed: throw .failedPrecondition("preprocessing \(preprocessingID) failed")
        case .done(var record):
            if let user = record.consumedBy {
                throw .failedPrecondition("preprocessing \(preprocessingID) was already used by key generation \(user)")
            }
            guard record.parameterSet == parameters.id else {
                let theirs = (try? FHEParameters.withID(record.parameterSet).name) ?? "\(record.parameterSet)"
                throw .failedPrecondition("preprocessing \(preprocessingID) is for parameter set \(theirs), not \(parameters.name)")
            }
            record.consumedBy = keyID.hex
            preprocessings[preprocessingID] = .done(record)
        }
    }

    private func generate(
        id: RequestIdentifier, parameters: FHEParameters, generation: Generation, preprocessingID: RequestIdentifier?,
        domain: EIP712Domain?, progress: Progress, store: KeyStore
    ) async throws -> KeySetRecord {
        let session = SessionID.root(requestID: id.bytes, label: "keygen")
        var keys: ThresholdKeySet
        let modeName: String
        var threshold = 0
        switch generation {
        case .threshold(let materialID, let epoch):
            guard let vault else { throw EngineError.failedPrecondition("no vault") }
            progress.set("loading the preprocessing")
            var material = try KeyGenMaterial(serialized: try await vault.getPrivate(materialID))
            try await vault.delete(materialID, objectClass: .private)
            keys = try await ComputeExecutor.shared.run { [material] in
                try await DistributedKeyGeneration.run(
                    material: material, prss: epoch.prss, context: epoch.party, session: session,
                    progress: { progress.set("opening key bodies \(Int($0 * 100)) %") })
            }
            material.wipe()
            modeName = "threshold"
            threshold = epoch.party.threshold
        case .insecure(let epoch):
            progress.set("opening a joint seed")
            keys = try await ComputeExecutor.shared.run {
                let seed = try await JointRandomSeed.generate(prss: epoch.prss, context: epoch.party, session: session.child("insecure-seed"))
                progress.set("generating the key in the clear (INSECURE)")
                return try InsecureKeyGeneration.fromSharedSeed(
                    seed, parameters: parameters, partyID: epoch.party.partyID, partyCount: epoch.party.partyCount,
                    threshold: epoch.party.threshold)
            }
            modeName = "insecure"
            threshold = epoch.party.threshold
        case .centralized:
            progress.set("generating the key")
            keys = try await ComputeExecutor.shared.run { try InsecureKeyGeneration.centralized(parameters: parameters) }
            modeName = "centralized"
        }
        defer { keys.share.wipe() }
        progress.set("storing the key set")
        let serverKey = keys.serverKey.serialized(), publicKey = keys.publicKey.serialized()
        let serverDigest = FHESerialization.digest(serverKey), publicDigest = FHESerialization.digest(publicKey)
        let message = try KeygenVerification(
            prepKeygenId: preprocessingID?.bytes ?? [UInt8](repeating: 0, count: 32), keyId: id.bytes,
            keyDigests: [KeyDigest(keyType: .serverKey, digest: serverDigest), KeyDigest(keyType: .publicKey, digest: publicDigest)])
        let record = KeySetRecord(
            keyID: id.hex, preprocessingID: preprocessingID?.hex ?? "", parameterSet: parameters.id, mode: modeName,
            digests: [.init(type: KeyStore.ObjectType.serverKey.rawValue, digest: serverDigest),
                      .init(type: KeyStore.ObjectType.publicKey.rawValue, digest: publicDigest)],
            signature: try signer.sign(message, domain: domain), partyID: partyID, threshold: threshold)
        try await store.store(
            record: record,
            objects: [.serverKey: serverKey, .publicKey: publicKey, .verificationKey: signer.key.publicKey],
            share: keys.share)
        return record
    }

    private func finishKeyGeneration(_ id: RequestIdentifier, _ outcome: Result<KeySetRecord, EngineError>) {
        tasks.removeValue(forKey: id)
        switch outcome {
        case .success(let record):
            keyGenerations[id] = .done(record)
            logger.info("key generation done", metadata: ["key_id": "\(id)", "mode": "\(record.mode)"])
        case .failure(let error):
            keyGenerations[id] = .failed(error)
            logger.error("key generation failed", metadata: ["request_id": "\(id)", "error": "\(error)"])
        }
    }

    /// GetKeyGenResult / GetInsecureKeyGenResult: the signed digests, UNAVAILABLE with the progress while running.
    func keyGenerationResult(_ id: RequestIdentifier, insecure: Bool) async throws(EngineError) -> Kms_V1_KeyGenResult {
        let record: KeySetRecord
        switch keyGenerations[id] {
        case .running(let progress): throw .unavailable("key generation \(id) is running: \(progress.text)")
        case .failed(let error): throw error
        case .done(let done): record = done
        case nil:
            guard let stored = await store?.records[id.hex] else { throw .notFound("no key generation \(id)") }
            record = stored
        }
        guard (record.mode == "insecure") == insecure else {
            throw .failedPrecondition("key \(id) was made by \(record.mode == "insecure" ? "InsecureKeyGen" : "KeyGen"); ask that RPC's result")
        }
        var result = Kms_V1_KeyGenResult()
        result.requestID.requestID = id.hex
        result.keyDigests = record.digests.map { digest in
            var message = Kms_V1_KeyDigest()
            message.keyType = digest.type
            message.digest = Data(digest.digest)
            return message
        }
        result.externalSignature = Data(record.signature)
        if !record.preprocessingID.isEmpty { result.preprocID.requestID = record.preprocessingID }
        return result
    }

    /// AbortKeyGen: cancels a running key generation (its preprocessing stays used).
    func abortKeyGeneration(_ id: RequestIdentifier) throws(EngineError) {
        switch keyGenerations[id] {
        case .running:
            tasks[id]?.cancel()
            logger.warning("key generation aborted", metadata: ["request_id": "\(id)"])
        case .done: throw .failedPrecondition("key generation \(id) has finished")
        case .failed: throw .failedPrecondition("key generation \(id) has already failed")
        case nil: throw .notFound("no running key generation \(id)")
        }
    }

    // MARK: Shared checks

    static func parameters(_ set: Kms_V1_FheParameterSet) throws(EngineError) -> FHEParameters {
        switch set {
        case .default: return .production
        case .test: return .insecureTest
        default: throw .invalidArgument("params: choose FHE_PARAMETER_SET_DEFAULT or FHE_PARAMETER_SET_TEST")
        }
    }

    static func materialID(_ preprocessingID: RequestIdentifier) throws(EngineError) -> ObjectID {
        do { return try ObjectID(kind: PreprocessingRecord.materialKind, name: preprocessingID.hex) } catch {
            throw .internalFailure("bad material id")
        }
    }

    /// Engine errors pass through; anything else becomes INTERNAL with a generic message (no secret in it).
    static func failure(_ error: any Error, what: String) -> EngineError {
        if let engineError = error as? EngineError { return engineError }
        if error is CancellationError { return .aborted("\(what) was aborted") }
        if let mpc = error as? MPCError { return .internalFailure("\(what) failed: \(mpc)") }
        return .internalFailure("\(what) failed")
    }
}
