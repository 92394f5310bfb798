import GRPCCore
import KMSAPI
import Logging
import MPCProtocols
import Synchronization
import Vault

/// The threshold side of a core: the peer inbox, the contexts and epochs, and the start-up task that creates
/// the default context's first epoch once every peer answers (DESIGN §6).
public final class ThresholdEngine: Sendable {
    public let partyID: Int
    public let inbox: PeerInbox
    public let epochs: EpochManager
    public let defaultContext: MpcContext
    private let logger: Logger
    private let bootstrap = Mutex<Task<Void, Never>?>(nil)
    /// Request ids of self tests already run (a reused id is ALREADY_EXISTS).
    private let selfTests = Mutex<Set<RequestIdentifier>>([])

    init(
        configuration: CoreConfiguration.Threshold, vault: VaultStore?, misbehaviour: CoreConfiguration.TestMisbehaviour?,
        logger: Logger, makeChannel: @escaping @Sendable (PeerLinks.Party) throws -> GRPCChannel
    ) throws(EngineError) {
        partyID = configuration.partyId
        let network = configuration.network
        inbox = PeerInbox(limits: PeerInbox.Limits(
            bytesPerPeer: network.peerQuotaBytes, expiry: .seconds(network.sessionExpirySeconds)))
        var settings = MpcSettings(
            roundTimeout: .milliseconds(network.roundTimeoutMilliseconds), roundDeadline: .milliseconds(network.roundDeadlineMilliseconds),
            messageLifetime: .seconds(network.sessionExpirySeconds))
        if let misbehaviour {
            settings.misbehaviour = Misbehaviour(rawValue: misbehaviour.mode)
            settings.misbehaviourDelay = .milliseconds(misbehaviour.delayMilliseconds)
        }
        var limits = PeerOutbox.Limits()
        limits.queueBytes = network.outboundQueueBytes
        let inbox = inbox, partyID = partyID, outbound = limits
        epochs = EpochManager(partyID: partyID, vault: vault, settings: settings, logger: logger) { context in
            try PeerLinks(partyID: partyID, parties: context.parties, inbox: inbox, limits: outbound, logger: logger,
                          makeChannel: makeChannel)
        }
        defaultContext = try MpcContext.fromConfiguration(configuration)
        self.logger = logger
    }

    /// Registers the default context, reloads stored epochs, and — unless the default epoch was stored — creates
    /// it in the background as soon as every peer answers `ping` (retrying after a failure).
    func start(ping: @escaping @Sendable () async -> Bool) {
        let task = Task { [epochs, defaultContext, logger] in
            do {
                try await epochs.addContext(defaultContext)
            } catch {
                logger.error("default context refused", metadata: ["error": "\(error)"])
                return
            }
            await epochs.loadStoredEpochs()
            let epochID = defaultContext.defaultEpochIdentifier
            while !Task.isCancelled {
                switch await Self.state(of: epochID, in: epochs) {
                case .ready: return
                case .running: break
                case .absent:
                    if await ping() {
                        try? await epochs.startEpoch(epochID, contextID: defaultContext.id)
                    }
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        bootstrap.withLock { $0 = task }
    }

    func stop() {
        bootstrap.withLock { $0?.cancel() }
    }

    private enum EpochState { case ready, running, absent }

    private static func state(of id: RequestIdentifier, in epochs: EpochManager) async -> EpochState {
        do {
            _ = try await epochs.epoch(id)
            return .ready
        } catch .unavailable {
            return .running
        } catch {
            return .absent
        }
    }

    /// The epoch a request names, or the default context's default epoch.
    func epoch(_ id: RequestIdentifier?) async throws(EngineError) -> Epoch {
        try await epochs.epoch(id ?? defaultContext.defaultEpochIdentifier)
    }

    /// Runs InsecureMpcSelfTest once per request id.
    func selfTest(_ request: Kms_V1_MpcSelfTestRequest, requestID: RequestIdentifier, epochID: RequestIdentifier?) async throws(EngineError)
        -> Kms_V1_MpcSelfTestResult
    {
        let epoch = try await epoch(epochID)
        let fresh = selfTests.withLock { $0.insert(requestID).inserted }
        guard fresh else { throw .alreadyExists("self test \(requestID) was already run") }
        return try await MPCSelfTest.run(request, requestID: requestID, epoch: epoch)
    }

    func bandwidth(payloadBytes: Int, repetitions: Int) async throws(EngineError) -> [Kms_V1_PeerBandwidth] {
        guard (1...BandwidthProbe.maximumPayload).contains(payloadBytes) else {
            throw .invalidArgument("payload_bytes: must be 1…\(BandwidthProbe.maximumPayload)")
        }
        guard (1...BandwidthProbe.maximumRepetitions).contains(repetitions) else {
            throw .invalidArgument("repetitions: must be 1…\(BandwidthProbe.maximumRepetitions)")
        }
        guard let links = await epochs.links(defaultContext.id) else { throw .unavailable("the default context is not set up yet") }
        return await BandwidthProbe.measure(links: links, payloadBytes: payloadBytes, repetitions: repetitions)
    }
}
