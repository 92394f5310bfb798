import Algebra
import FHEKeys
import Foundation
import KMSAPI
import Logging
import MPCProtocols
import SecureMemory
import Signatures
import Synchronization
import Vault

/// KeyGenPreproc, KeyGen and InsecureKeyGen of one core (DESIGN §3.4, §4, §6): one state machine per
/// operation kind (running → done | failed), keyed by request id; the work runs in the background on the
/// compute threads and its progress is readable while it runs (GetKeyGenResult's UNAVAILABLE message).
/// Preprocessings and key sets are persisted (private records, the material encrypted) and reloaded at start;
/// a preprocessing is consumed by exactly one key generation, and marked so before that generation starts.
actor KeyGenerationService {
    enum Mode: Sendable {
        case threshold(ThresholdEngine)
        case centralized
    }

    /// A running operation's progress line, written by the compute task.
    final class Progress: Sendable {
        private let line = Mutex("queued")
        func set(_ text: String) { line.withLock { $0 = text } }
        var text: String { line.withLock { $0 } }
    }

    enum State<Output: Sendable>: Sendable {
        case running(Progress)
        case done(Output)
        case failed(EngineError)
    }

    let mode: Mode
    let vault: VaultStore?
    let store: KeyStore?
    let signer: OperatorKey
    let limiter: RateLimiter
    let logger: Logger
    var preprocessings: [RequestIdentifier: State<PreprocessingRecord>] = [:]
    var keyGenerations: [RequestIdentifier: State<KeySetRecord>] = [:]
    var insecureRequests = Set<RequestIdentifier>()
    var tasks: [RequestIdentifier: Task<Void, Never>] = [:]

    init(mode: Mode, vault: VaultStore?, signer: OperatorKey, limiter: RateLimiter, logger: Logger) {
        self.mode = mode
        self.vault = vault
        self.store = vault.map { KeyStore(vault: $0, logger: logger) }
        self.signer = signer
        self.limiter = limiter
        self.logger = logger
    }

    var partyID: Int {
        if case .threshold(let engine) = mode { return engine.partyID }
        return 0
    }

    /// Reloads stored preprocessings and key sets (at start).
    func load() async {
        await store?.load()
        guard let vault else { return }
        do {
            for id in try await vault.list(kind: PreprocessingRecord.kind, objectClass: .private) {
                let record = try await vault.getPrivate(id).withUnsafeBytes { try PreprocessingRecord(decoding: Array($0)) }
                let requestID = try RequestIdentifier(validating: record.preprocessingID)
                preprocessings[requestID] = .done(record)
            }
        } catch {
            logger.error("stored preprocessings could not be loaded", metadata: ["error": "\(error)"])
        }
    }

    // MARK: KeyGenPreproc

    func startPreprocessing(_ request: Kms_V1_KeyGenPreprocRequest) async throws(EngineError) {
        let id = try RequestIdentifierChecks.required(request.requestID, present: request.hasRequestID, field: "request_id")
        let parameters = try Self.parameters(request.params)
        let domain = try OperatorKey.domain(request.domain, present: request.hasDomain)
        let epochID = try RequestIdentifierChecks.optional(request.epochID, present: request.hasEpochID, field: "epoch_id")
        let multiBit = request.multiBitBootstrapping
        guard !multiBit || MultiBitBootstrappingKey.supports(parameters) else {
            throw .invalidArgument("multi_bit_bootstrapping: parameter set \(parameters.name) has an odd small-key dimension")
        }
        guard preprocessings[id] == nil else { throw .alreadyExists("preprocessing \(id) exists") }
        guard let vault else { throw .failedPrecondition("key generation needs a [vault] to keep its material encrypted") }
        try limiter.admit(.keyGenPreprocessing)
        let epoch: Epoch?
        if case .threshold(let engine) = mode { epoch = try await engine.epoch(epochID) } else { epoch = nil }
        guard preprocessings[id] == nil else { throw .alreadyExists("preprocessing \(id) exists") }
        let progress = Progress()
        preprocessings[id] = .running(progress)
        logger.info("key-generation preprocessing started", metadata: [
            "request_id": "\(id)", "parameters": "\(parameters.name)", "bootstrapping_key": "\(multiBit ? "multi-bit" : "classic")"])
        let signer = signer
        tasks[id] = Task {
            let outcome: Result<PreprocessingRecord, EngineError>
            do {
                if let epoch {
                    var material = try await ComputeExecutor.shared.run {
                        try await KeyGenPreprocessing.generate(
                            parameters: parameters, prss: epoch.prss, context: epoch.party,
                            // Another label for multi-bit: cores asked for different kinds share no session and fail.
                            session: SessionID.root(requestID: id.bytes, label: multiBit ? "keygen-preproc-multi-bit" : "keygen-preproc"),
                            multiBit: multiBit, progress: { progress.set("multiplications \(Int($0 * 100)) %") })
                    }
                    progress.set("storing the material")
                    try await vault.putPrivate(material.serialized(), id: try ObjectID(kind: PreprocessingRecord.materialKind, name: id.hex))
                    material.wipe()
                }
                let record = PreprocessingRecord(
                    preprocessingID: id.hex, parameterSet: parameters.id, epochID: epoch?.id.hex ?? "",
                    digest: Self.preprocessingDigest(id: id, parameters: parameters, epochID: epoch?.id, multiBit: multiBit),
                    signature: try signer.sign(try PrepKeygenVerification(prepKeygenId: id.bytes), domain: domain),
                    consumedBy: nil)
                try await vault.putPrivate(SecretBytes(try record.encoded()), id: try ObjectID(kind: PreprocessingRecord.kind, name: id.hex))
                outcome = .success(record)
            } catch {
                outcome = .failure(Self.failure(error, what: "preprocessing"))
            }
            self.finishPreprocessing(id, outcome)
        }
    }

    func preprocessingResult(_ id: RequestIdentifier) throws(EngineError) -> Kms_V1_KeyGenPreprocResult {
        switch preprocessings[id] {
        case .running(let progress): throw .unavailable("preprocessing \(id) is running: \(progress.text)")
        case .failed(let error): throw error
        case nil: throw .notFound("no preprocessing \(id)")
        case .done(let record):
            var result = Kms_V1_KeyGenPreprocResult()
            result.requestID.requestID = id.hex
            result.preprocessingDigest = Data(record.digest)
            result.externalSignature = Data(record.signature)
            return result
        }
    }

    var preprocessingIDs: [String] {
        preprocessings.compactMap { id, state in
            if case .done(let record) = state, record.consumedBy == nil { return id.hex }
            return nil
        }.sorted()
    }

    private func finishPreprocessing(_ id: RequestIdentifier, _ outcome: Result<PreprocessingRecord, EngineError>) {
        tasks.removeValue(forKey: id)
        switch outcome {
        case .success(let record):
            preprocessings[id] = .done(record)
            logger.info("key-generation preprocessing done", metadata: ["request_id": "\(id)"])
        case .failure(let error):
            preprocessings[id] = .failed(error)
            logger.error("key-generation preprocessing failed", metadata: ["request_id": "\(id)", "error": "\(error)"])
        }
    }

    /// What every core signs for a preprocessing: SHA3-256 over a domain separator, its id, the parameter set
    /// and the epoch (the same at every honest core; the material itself is secret and differs per core).
    /// What the cores sign a preprocessing by; a multi-bit one also binds that choice (classic digests unchanged).
    static func preprocessingDigest(id: RequestIdentifier, parameters: FHEParameters, epochID: RequestIdentifier?, multiBit: Bool = false) -> [UInt8] {
        SHA3_256.hash(Array("TKMS-KEYGEN-PREPROC-v1".utf8) + id.bytes + [parameters.id] + (epochID?.bytes ?? [])
            + (multiBit ? Array("multi-bit".utf8) : []))
    }
}
