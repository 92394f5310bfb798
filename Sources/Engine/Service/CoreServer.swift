import Foundation
import GRPCCore
import KMSAPI
import Logging
import Synchronization
import Vault

/// One running core: takes the data-directory lock, serves the public endpoint (health, CoreServiceEndpoint,
/// optionally the insecure service) and, for a threshold core, the peer endpoint; shuts both down gracefully.
public final class CoreServer: Sendable {
    /// Why a core could not start; `description` is the one line `kms-server` prints.
    public enum StartError: Error, CustomStringConvertible {
        case configuration(ConfigurationError)
        case dataDirectory(DataDirectoryLock.LockError)
        case vault(String)
        case audit(String)
        case listen(endpoint: String, address: String, status: GRPCStatus)

        public var description: String {
            switch self {
            case .configuration(let error): error.description
            case .dataDirectory(let error): error.description
            case .vault(let reason): "cannot open the vault: \(reason)"
            case .audit(let reason): "cannot open the audit log: \(reason)"
            case .listen(let endpoint, let address, let status):
                "cannot listen on \(address) (\(endpoint)): \(status.message.isEmpty ? "\(status.code)" : status.message)"
            }
        }
    }

    public let configuration: CoreConfiguration
    private let logger: Logger
    private let lock: DataDirectoryLock
    private let servingState = ServingState()
    private let publicServer: GRPCServer
    private let peerServer: GRPCServer?
    private let prober: PeerHealthProber?
    /// Probes for the start-up epoch only: its own channels, so that probing peers that are not up yet never
    /// leaves the health prober's channels in reconnect backoff.
    private let bootstrapProber: PeerHealthProber?
    private let engine: ThresholdEngine?
    /// `[metrics]`: made by `start()`; the refresher reads the engine's figures into gauges.
    private let metricsEndpoint = Mutex<MetricsEndpoint?>(nil)
    private let refreshMetrics: @Sendable () async -> Void
    private let decryption: DecryptionService

    public init(configuration: CoreConfiguration, logger: Logger) async throws(StartError) {
        self.configuration = configuration
        self.logger = logger
        var material: TLSMaterial?
        if let tls = configuration.tls {
            do {
                material = try TLSMaterial(loading: tls)
                try material?.checkOwnCertificate(threshold: configuration.threshold)
            } catch {
                throw .configuration(error)
            }
        }
        do {
            lock = try DataDirectoryLock(directory: configuration.storage.dataDirectory)
        } catch {
            throw .dataDirectory(error)
        }

        let service = configuration.service
        publicServer = GRPCServer(configuration: GRPCServerConfiguration(
            host: service.listenAddress, port: service.listenPort, tls: material?.serverConfiguration,
            maxReceiveMessageBytes: service.maxMessageBytes))

        let vault = try Self.openVault(configuration)
        if let threshold = configuration.threshold, let material {
            prober = PeerHealthProber(
                partyId: threshold.partyId, peers: threshold.peers, tls: material.peerClientConfiguration)
            bootstrapProber = PeerHealthProber(
                partyId: threshold.partyId, peers: threshold.peers, tls: material.peerClientConfiguration)
            let engine: ThresholdEngine
            do {
                engine = try ThresholdEngine(
                    configuration: threshold, vault: vault, misbehaviour: configuration.testMisbehaviour, logger: logger
                ) { party in
                    try GRPCChannel(configuration: GRPCChannelConfiguration(
                        target: party.address, tls: material.peerClientConfiguration(pinnedTo: party.identity),
                        maxReceiveMessageBytes: service.maxMessageBytes, maxSendMessageBytes: service.maxMessageBytes))
                }
            } catch {
                throw .configuration(ConfigurationError(field: "threshold", problem: error.description))
            }
            let peerServer = GRPCServer(configuration: GRPCServerConfiguration(
                host: threshold.peerListenAddress, port: threshold.peerListenPort,
                tls: material.peerServerConfiguration, maxReceiveMessageBytes: service.maxMessageBytes))
            let peerRoutes = PeerServiceRoutes(
                partyId: threshold.partyId, authorization: PeerAuthorization(peers: threshold.peers),
                inbox: engine.inbox, logger: logger)
            peerServer.register(peerRoutes.routes())
            peerServer.register(streamingMethod: PeerServiceMethod.stream.path, handler: peerRoutes.streamHandler())
            self.peerServer = peerServer
            self.engine = engine
        } else {
            prober = nil
            bootstrapProber = nil
            peerServer = nil
            engine = nil
        }

        let signer: OperatorKey
        do {
            signer = try await OperatorKey.loadOrCreate(vault: vault, logger: logger)
        } catch {
            throw .vault("cannot load or create the signing key: \(error)")
        }
        let keyGeneration = KeyGenerationService(
            mode: engine.map { .threshold($0) } ?? .centralized, vault: vault, signer: signer,
            limiter: RateLimiter(settings: configuration.rateLimiter), logger: logger)
        await keyGeneration.load()
        let decryption = DecryptionService(
            mode: engine.map { .threshold($0) } ?? .centralized, store: keyGeneration.store, signer: signer,
            limiter: keyGeneration.limiter, settings: configuration.decryption,
            wrongUserShares: configuration.testMisbehaviour?.mode == Misbehaviour.wrongUserShares.rawValue, logger: logger)

        self.decryption = decryption
        refreshMetrics = { [engine] in
            KMSMetrics.setGauge("kms_decryption_pool_blocks", await decryption.pool?.level ?? 0)
            KMSMetrics.setGauge("kms_keys_held", await keyGeneration.store?.records.count ?? 0)
            KMSMetrics.setGauge("kms_mpc_bytes_sent", await engine?.epochs.bytesSent() ?? 0)
            for (peer, bytes) in await engine?.epochs.bytesDeliveredPerPeer() ?? [:] {
                KMSMetrics.setGauge("kms_mpc_peer_bytes_delivered", bytes, dimensions: [("peer", "\(peer)")])
            }
            KMSMetrics.setGauge("kms_rate_limiter_refusals", keyGeneration.limiter.refusedCount)
        }
        // Every call on the public endpoint (the health service's probes aside) goes to the audit log first.
        let audit: AuditLog
        do {
            audit = try AuditLog(
                dataDirectory: configuration.storage.dataDirectory, signer: signer.key, keyIsPersistent: vault != nil, logger: logger)
        } catch {
            throw .audit("\(error)")
        }
        func audited(_ routes: [UnaryRoute]) -> [UnaryRoute] {
            routes.map { $0.audited(by: audit, name: String($0.path.split(separator: "/").last ?? "")) }
        }
        var serviceNames: Set<String> = [CoreServiceMethod.serviceName]
        publicServer.register(audited(CoreServiceEndpointRoutes(
            configuration: configuration,
            inventory: KeyMaterialInventory(dataDirectory: configuration.storage.dataDirectory),
            prober: prober, engine: engine, keyGeneration: keyGeneration, decryption: decryption, logger: logger
        ).routes()))
        if service.enableInsecureService {
            serviceNames.insert(InsecureCoreServiceMethod.serviceName)
            publicServer.register(audited(InsecureServiceRoutes(engine: engine, logger: logger).routes()))
            publicServer.register(audited(KeyGenRoutes(service: keyGeneration, logger: logger).insecureRoutes()))
        }
        let health = HealthServiceRoutes(
            serviceNames: serviceNames, state: servingState, prober: prober, partyId: configuration.threshold?.partyId,
            logger: logger)
        publicServer.register(health.routes())
        publicServer.register(streamingMethod: health.watch.path, handler: health.watch.handler)
        let server = publicServer
        for route in ReflectionServiceRoutes(methods: { server.methods }, logger: logger).streamingRoutes {
            publicServer.register(streamingMethod: route.path, handler: route.handler)
        }
    }

    /// The private vault over the data directory, or nil without `[vault]` (then nothing secret is persisted).
    private static func openVault(_ configuration: CoreConfiguration) throws(StartError) -> VaultStore? {
        guard let source = configuration.vault else { return nil }
        let directory = configuration.storage.dataDirectory
        do {
            let rootKey: any RootKeySource
            switch source {
            case .keyFile(let path): rootKey = try FileRootKey(path: path)
            case .passwordFile(let path):
                rootKey = try PasswordRootKey.openOrCreate(recordPath: directory + "/vault-password.record", password: .file(path))
            case .passwordEnvironment(let name):
                rootKey = try PasswordRootKey.openOrCreate(recordPath: directory + "/vault-password.record", password: .environment(name))
            }
            let files = try FileStorage(root: directory)
            guard let bucket = configuration.publicStorage else { return VaultStore(backend: files, rootKey: rootKey) }
            let s3 = try S3Storage(configuration: S3Configuration(
                bucket: bucket.bucket, region: bucket.region, endpoint: bucket.endpoint,
                addressingStyle: bucket.addressingStyle == "path" ? .path : .virtualHost, keyPrefix: bucket.keyPrefix,
                credentials: try S3Credentials.fromEnvironment()))
            return VaultStore(backend: SplitStorage(publicBackend: s3, privateBackend: files), rootKey: rootKey)
        } catch {
            throw .vault("\(error)")
        }
    }

    /// Binds and starts both endpoints; returns the bound ports (useful when configured as 0).
    @discardableResult
    public func start() throws(StartError) -> (service: Int, peer: Int?) {
        let service = configuration.service
        let servicePort: Int
        if let problem = ListenProbe.problem(host: service.listenAddress, port: service.listenPort) {
            throw .listen(endpoint: "service", address: "\(service.listenAddress):\(service.listenPort)", status: GRPCStatus(.unavailable, problem))
        }
        if let threshold = configuration.threshold,
           let problem = ListenProbe.problem(host: threshold.peerListenAddress, port: threshold.peerListenPort) {
            throw .listen(endpoint: "threshold peer service", address: "\(threshold.peerListenAddress):\(threshold.peerListenPort)",
                          status: GRPCStatus(.unavailable, problem))
        }
        do {
            servicePort = try publicServer.start()
        } catch {
            throw .listen(endpoint: "service", address: "\(service.listenAddress):\(service.listenPort)", status: StatusMapping.status(for: error))
        }
        if let metrics = configuration.metrics {
            if let problem = ListenProbe.problem(host: metrics.listenAddress, port: metrics.listenPort) {
                throw .listen(endpoint: "metrics", address: "\(metrics.listenAddress):\(metrics.listenPort)", status: GRPCStatus(.unavailable, problem))
            }
            do {
                let endpoint = try MetricsEndpoint(host: metrics.listenAddress, port: metrics.listenPort, refresh: refreshMetrics, logger: logger)
                metricsEndpoint.withLock { $0 = endpoint }
            } catch {
                throw .listen(endpoint: "metrics", address: "\(metrics.listenAddress):\(metrics.listenPort)", status: GRPCStatus(.unavailable, "\(error)"))
            }
        }
        var peerPort: Int?
        if let peerServer, let threshold = configuration.threshold {
            do {
                peerPort = try peerServer.start()
            } catch {
                throw .listen(
                    endpoint: "threshold peer service",
                    address: "\(threshold.peerListenAddress):\(threshold.peerListenPort)", status: StatusMapping.status(for: error))
            }
        }
        logger.info(
            "kms-server listening",
            metadata: [
                "version": "\(KMSVersion.current)", "mode": "\(configuration.deploymentType)",
                "service": "\(service.listenAddress):\(servicePort)",
                "peer": "\(peerPort.map { "\(configuration.threshold!.peerListenAddress):\($0)" } ?? "none")",
                "party": "\(configuration.threshold.map { "\($0.partyId)" } ?? "centralized")",
                "tls": "\(configuration.tls == nil ? "off" : (configuration.tls!.requireClientCertificate ? "mutual" : "server-only"))",
                "insecure_service": "\(service.enableInsecureService)",
                "data_dir": "\(configuration.storage.dataDirectory)",
                "vault": "\(configuration.vault == nil ? "none (nothing secret is persisted)" : "encrypted")",
            ])
        if let engine, let bootstrapProber {
            // The first epoch of the default context, once every peer answers.
            engine.start { await bootstrapProber.probeAll().allSatisfy { $0.error == nil } }
            // Then the pool of preprocessed decryption blocks, on that epoch.
            let decryption = decryption
            Task { await decryption.startPool() }
        }
        if let misbehaviour = configuration.testMisbehaviour {
            logger.warning("INSECURE TEST MODE: this core misbehaves in the MPC protocols", metadata: ["mode": "\(misbehaviour.mode)"])
        }
        return (servicePort, peerPort)
    }

    /// Reports NOT_SERVING, stops accepting calls, lets in-flight calls finish within the grace period.
    public func shutdown() async {
        servingState.stopServing()
        engine?.stop()
        await decryption.stopPool()
        let grace = Duration.seconds(configuration.service.shutdownGraceSeconds)
        async let publicDone: Void = publicServer.shutdown(gracePeriod: grace)
        async let peerDone: Void? = peerServer?.shutdown(gracePeriod: grace)
        _ = await (publicDone, peerDone)
        await prober?.close()
        await bootstrapProber?.close()
        if let endpoint = metricsEndpoint.withLock({ $0 }) { await endpoint.shutdown() }
        logger.info("kms-server stopped")
    }
}
