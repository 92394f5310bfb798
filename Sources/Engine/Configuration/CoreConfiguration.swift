/// The configuration of one core (`kms-server --config PATH`), read from TOML with environment overrides.
/// Relative paths are taken relative to the server's working directory. See config/default_*.toml.
public struct CoreConfiguration: Sendable, Equatable {
    /// `[service]`: the public gRPC endpoint that full nodes and clients call.
    public struct Service: Sendable, Equatable {
        public var listenAddress: String
        public var listenPort: Int
        /// Requests larger than this are refused with RESOURCE_EXHAUSTED.
        public var maxMessageBytes: Int
        /// Serves the test-only InsecureCoreServiceEndpoint; never enable it in production.
        public var enableInsecureService: Bool
        /// Seconds that in-flight calls get to finish on SIGTERM/SIGINT.
        public var shutdownGraceSeconds: Int
        /// swift-log level: trace, debug, info, notice, warning, error, critical.
        public var logLevel: String
    }

    /// `[tls]`: certificate material; when present, both endpoints use TLS and (by default) require a client
    /// certificate signed by `ca_cert`.
    public struct TLS: Sendable, Equatable {
        public var caCertificatePath: String
        public var certificatePath: String
        public var privateKeyPath: String
        public var requireClientCertificate: Bool
    }

    /// `[storage]`: where public and private material lives; the directory is locked by one server.
    public struct Storage: Sendable, Equatable {
        public var dataDirectory: String
    }

    /// One party of the cluster as this core knows it (`[[threshold.peers]]`).
    public struct Peer: Sendable, Equatable {
        public var partyId: Int
        /// host:port of the party's peer endpoint.
        public var address: String
        /// The name the party's certificate must carry as CN and DNS name (default `kms-core-<id>`), pinned both ways.
        public var identity: String
    }

    /// `[threshold]`: present for a threshold core, absent for a centralized one.
    public struct Threshold: Sendable, Equatable {
        public var partyId: Int
        /// The number of corrupt cores tolerated; n ≥ 3t + 1.
        public var threshold: Int
        /// The core-to-core (mpc.v1.PeerService) endpoint, separate from the public one.
        public var peerListenAddress: String
        public var peerListenPort: Int
        /// All parties of the cluster, this one included.
        public var peers: [Peer]
        /// How MPC sessions run and how much a peer may make this core buffer.
        public var network: PeerNetworkSettings = PeerNetworkSettings()

        public var partyCount: Int { peers.count }
        public var otherPeers: [Peer] { peers.filter { $0.partyId != partyId } }
    }

    /// `[threshold]` keys of the peer network (defaults in parentheses).
    public struct PeerNetworkSettings: Sendable, Equatable {
        /// Fast-path wait for one protocol round (`round_timeout_ms`, 2000).
        public var roundTimeoutMilliseconds = 2000
        /// How long a round that must hear from everyone waits for a late honest message (`round_deadline_ms`, 30000).
        public var roundDeadlineMilliseconds = 30_000
        /// Bytes one peer may have buffered here (`peer_quota_bytes`, 64 MiB).
        public var peerQuotaBytes = 64 << 20
        /// Messages for a session that never starts are dropped after this, and outgoing messages are retried
        /// this long (`session_expiry_seconds`, 120).
        public var sessionExpirySeconds = 120
        /// Bytes queued towards one peer before senders wait (`outbound_queue_bytes`, 64 MiB).
        public var outboundQueueBytes = 64 << 20
        public init() {}
    }

    /// `[vault]`: the root key that encrypts private objects (epochs, key shares) in the data directory.
    /// Exactly one source. Without `[vault]` nothing secret is persisted (epochs live in memory only).
    public enum VaultRootKey: Sendable, Equatable {
        /// A 32-byte key file readable by its owner only (`root_key_file`).
        case keyFile(String)
        /// A password from a 0600 file (`password_file`), through Argon2id.
        case passwordFile(String)
        /// A password from an environment variable (`password_env`), through Argon2id.
        case passwordEnvironment(String)
    }

    /// `[test_misbehaviour]`: makes this core misbehave in the MPC protocols; accepted only together with
    /// `service.enable_insecure_service = true` (insecure test mode).
    public struct TestMisbehaviour: Sendable, Equatable {
        /// garbage, silent, delay, equivocate or wrong-user-shares (`Misbehaviour`).
        public var mode: String
        public var delayMilliseconds: Int
    }

    /// `[public_storage]`: an S3 (or S3-compatible) bucket for the public objects (public keys, server keys,
    /// verification keys) instead of the data directory; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
    public struct PublicStorage: Sendable, Equatable {
        public var bucket: String
        public var region: String
        public var endpoint: String?
        /// "path" or "virtual-host".
        public var addressingStyle: String
        public var keyPrefix: String
    }

    /// `[decryption]`: limits of PublicDecrypt / UserDecrypt.
    /// `[metrics]`: where the Prometheus text endpoint listens (plain HTTP: keep it on loopback or a private network).
    public struct Metrics: Sendable, Equatable {
        public var listenAddress = "127.0.0.1"
        public var listenPort: Int
    }

    public struct Decryption: Sendable, Equatable {
        /// Ciphertexts in one request (`batch_limit`).
        public var batchLimit = 64
        /// Requests whose state is kept (`result_cache_capacity`); the oldest finished ones make room, and a
        /// table full of running requests refuses new ones with RESOURCE_EXHAUSTED.
        public var resultCacheCapacity = 10_000
        /// How long Get…DecryptionResult waits for a running request before answering UNAVAILABLE
        /// (`long_poll_milliseconds`).
        public var longPollMilliseconds = 5_000
        /// Preprocessed blocks (a block's random bits and triples) a threshold core keeps ready for decryptions
        /// (`pool_target_blocks`, 0 = no pool: every request preprocesses its own); refilled in the background,
        /// under load too. Each core makes its share (target / n) of the cluster's pool; docs/DECRYPTION.md "Pool".
        public var poolTargetBlocks = 256
        /// Blocks made by one background preprocessing session (`pool_batch_blocks`).
        public var poolBatchBlocks = 64
        public init() {}
    }

    public var service: Service
    public var tls: TLS?
    public var storage: Storage
    public var threshold: Threshold?
    public var vault: VaultRootKey? = nil
    public var testMisbehaviour: TestMisbehaviour? = nil
    /// `[rate_limiter]`: the token bucket every request draws from.
    public var rateLimiter = RateLimiter.Settings()
    public var publicStorage: PublicStorage? = nil
    public var decryption = Decryption()
    /// `[metrics]`: the Prometheus endpoint (GET /metrics over plain HTTP); nil = no endpoint.
    public var metrics: Metrics?

    public var deploymentType: String { threshold == nil ? "centralized" : "threshold" }
}
