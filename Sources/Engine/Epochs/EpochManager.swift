import Algebra
import Logging
import MPCProtocols
import SecureMemory
import Vault

/// How this core runs MPC sessions: the fast-path round timeout, the round deadline (a round that must hear
/// from everyone waits this long for a late honest message), how long outgoing messages are retried, and — in
/// insecure test mode only — a misbehaviour.
public struct MpcSettings: Sendable {
    public var roundTimeout: Duration
    public var roundDeadline: Duration
    public var messageLifetime: Duration
    public var misbehaviour: Misbehaviour?
    public var misbehaviourDelay: Duration

    public init(roundTimeout: Duration = .seconds(2), roundDeadline: Duration = .seconds(30), messageLifetime: Duration = .seconds(120),
                misbehaviour: Misbehaviour? = nil, misbehaviourDelay: Duration = .milliseconds(500)) {
        self.roundTimeout = roundTimeout
        self.roundDeadline = roundDeadline
        self.messageLifetime = messageLifetime
        self.misbehaviour = misbehaviour
        self.misbehaviourDelay = misbehaviourDelay
    }
}

/// An epoch ready for use: its PRSS and the party context protocols run in.
public struct Epoch: Sendable {
    public let id: RequestIdentifier
    public let contextID: RequestIdentifier
    public let prss: PRSS
    public let party: PartyContext
}

/// Contexts and epochs of this core (DESIGN §6): NewMpcEpoch runs the PRSS key setup among the context's
/// cores in the background; the keys are stored encrypted in the private vault and reloaded at restart.
/// An actor: the table of epochs is shared by the RPC handlers and the setup tasks.
public actor EpochManager {
    enum State {
        case running
        case ready(Epoch)
        case failed(String)
    }

    static let epochKind = "prss-epoch"

    public let partyID: Int
    private let vault: VaultStore?
    private let settings: MpcSettings
    private let logger: Logger
    private let makeLinks: @Sendable (MpcContext) throws -> PeerLinks
    private var contexts: [RequestIdentifier: MpcContext] = [:]
    private var links: [RequestIdentifier: PeerLinks] = [:]
    private var epochs: [RequestIdentifier: State] = [:]

    public init(partyID: Int, vault: VaultStore?, settings: MpcSettings, logger: Logger,
                makeLinks: @escaping @Sendable (MpcContext) throws -> PeerLinks) {
        self.partyID = partyID
        self.vault = vault
        self.settings = settings
        self.logger = logger
        self.makeLinks = makeLinks
    }

    // MARK: Contexts

    /// Adds a context; the same context again is accepted, another one under a used id is ALREADY_EXISTS.
    public func addContext(_ context: MpcContext) throws(EngineError) {
        if let existing = contexts[context.id] {
            guard existing == context else { throw .alreadyExists("context \(context.id) exists with other parties") }
            return
        }
        guard context.parties.contains(where: { $0.partyId == partyID }) else {
            throw .invalidArgument("context \(context.id) does not include this core (party \(partyID))")
        }
        do {
            links[context.id] = try makeLinks(context)
        } catch {
            throw .invalidArgument("context \(context.id): cannot open peer channels: \(error)")
        }
        contexts[context.id] = context
    }

    public func destroyContext(_ id: RequestIdentifier) throws(EngineError) {
        guard contexts.removeValue(forKey: id) != nil else { throw .notFound("no context \(id)") }
        links.removeValue(forKey: id)?.close()
    }

    func links(_ id: RequestIdentifier) -> PeerLinks? { links[id] }

    /// Bytes the protocols of every ready epoch have sent to peers (health, benchmarks).
    public func bytesSent() -> Int {
        epochs.values.reduce(0) { total, state in
            if case .ready(let epoch) = state { return total + epoch.party.meter.bytesSent }
            return total
        }
    }

    /// Bytes delivered to each peer over every context's links (health, metrics), by party id.
    public func bytesDeliveredPerPeer() -> [Int: Int] {
        links.values.reduce(into: [:]) { total, links in total.merge(links.bytesDelivered(), uniquingKeysWith: +) }
    }

    /// The epochs ready for protocols, sorted by id.
    public func readyEpochIDs() -> [RequestIdentifier] {
        epochs.compactMap { id, state in
            if case .ready = state { return id }
            return nil
        }.sorted { $0.hex < $1.hex }
    }

    // MARK: Epochs

    /// Starts the PRSS key setup of a new epoch in the background. ALREADY_EXISTS for a used id (a failed
    /// epoch may be retried under its id), NOT_FOUND for an unknown context.
    public func startEpoch(_ id: RequestIdentifier, contextID: RequestIdentifier) throws(EngineError) {
        switch epochs[id] {
        case .running, .ready: throw .alreadyExists("epoch \(id) exists")
        case .failed, nil: break
        }
        guard let context = contexts[contextID], let links = links[contextID] else {
            throw .notFound("no context \(contextID)")
        }
        epochs[id] = .running
        let party = try partyContext(links: links, threshold: context.threshold)
        logger.info("epoch setup started", metadata: ["epoch": "\(id)", "context": "\(contextID)"])
        Task {
            do {
                let prss = try await ComputeExecutor.shared.run { try await Self.runSetup(epochID: id, party: party) }
                try await persist(EpochRecord(epochID: id, contextID: contextID, prss: prss))
                finish(id, .ready(Epoch(id: id, contextID: contextID, prss: prss, party: party)))
            } catch {
                finish(id, .failed("\(error)"))
            }
        }
    }

    /// The epoch if ready; UNAVAILABLE while its setup runs, INTERNAL if it failed, NOT_FOUND if unknown.
    public func epoch(_ id: RequestIdentifier) throws(EngineError) -> Epoch {
        switch epochs[id] {
        case .ready(let epoch): return epoch
        case .running: throw .unavailable("epoch \(id) is still being set up")
        case .failed(let reason): throw .internalFailure("epoch \(id) failed: \(reason)")
        case nil: throw .notFound("no epoch \(id)")
        }
    }

    /// Forgets the epoch and deletes its stored keys.
    public func destroyEpoch(_ id: RequestIdentifier) async throws(EngineError) {
        switch epochs[id] {
        case nil: throw .notFound("no epoch \(id)")
        case .running: throw .unavailable("epoch \(id) is still being set up")
        case .ready, .failed: break
        }
        epochs.removeValue(forKey: id)
        if let vault {
            do {
                try await vault.delete(try ObjectID(kind: Self.epochKind, name: id.hex), objectClass: .private)
            } catch {
                throw .internalFailure("could not delete the stored epoch \(id)")
            }
        }
    }

    /// Reloads every epoch stored in the private vault whose context is known (at start).
    public func loadStoredEpochs() async {
        guard let vault else { return }
        let ids: [ObjectID]
        do {
            ids = try await vault.list(kind: Self.epochKind, objectClass: .private)
        } catch {
            logger.error("cannot list stored epochs", metadata: ["error": "\(error)"])
            return
        }
        for objectID in ids {
            do {
                let record = try EpochRecord(parsing: try await vault.getPrivate(objectID))
                guard let context = contexts[record.contextID], let links = links[record.contextID],
                      record.prss.partyID == partyID, record.prss.partyCount == context.partyCount,
                      record.prss.threshold == context.threshold
                else {
                    logger.warning("stored epoch does not fit a known context; not loaded", metadata: ["epoch": "\(objectID.name)"])
                    continue
                }
                let party = try partyContext(links: links, threshold: context.threshold)
                epochs[record.epochID] = .ready(Epoch(id: record.epochID, contextID: record.contextID, prss: record.prss, party: party))
                logger.info("epoch reloaded", metadata: ["epoch": "\(record.epochID)"])
            } catch {
                logger.error("stored epoch could not be loaded", metadata: ["epoch": "\(objectID.name)", "error": "\(error)"])
            }
        }
    }

    // MARK: Internals

    private func finish(_ id: RequestIdentifier, _ state: State) {
        epochs[id] = state
        switch state {
        case .ready: logger.info("epoch ready", metadata: ["epoch": "\(id)"])
        case .failed(let reason): logger.error("epoch setup failed", metadata: ["epoch": "\(id)", "reason": "\(reason)"])
        case .running: break
        }
    }

    private func persist(_ record: EpochRecord) async throws {
        guard let vault else { return }
        try await vault.putPrivate(record.serialized(), id: try ObjectID(kind: Self.epochKind, name: record.epochID.hex))
    }

    private func partyContext(links: PeerLinks, threshold: Int) throws(EngineError) -> PartyContext {
        var network: any Network = links.network(messageLifetime: settings.messageLifetime)
        if let misbehaviour = settings.misbehaviour {
            network = MisbehavingNetwork(base: network, behaviour: misbehaviour, delay: settings.misbehaviourDelay)
        }
        do {
            return try PartyContext(network: network, threshold: threshold, timeout: settings.roundTimeout,
                                    deadline: settings.roundDeadline)
        } catch {
            throw .invalidArgument("MPC parameters: \(error)")
        }
    }

    /// The PRSS key setup, retried under a fresh session when it fails as a whole (`MPCError.setupFailed`).
    static func runSetup(epochID: RequestIdentifier, party: PartyContext) async throws -> PRSS {
        let root = SessionID.root(requestID: epochID.bytes, label: "prss-setup")
        var generator = SecureRandom()
        var lastError: Error = MPCError.invalidParameters("no attempt")
        for attempt in 0..<3 {
            do {
                return try await PRSSSetup.run(context: party, session: root.child("attempt", UInt64(attempt)), using: &generator)
            } catch let error as MPCError {
                lastError = error
            }
        }
        throw lastError
    }
}
