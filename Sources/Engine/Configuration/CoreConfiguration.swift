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
        /// Common name the party's certificate must carry (default `kms-core-<id>`).
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

        public var partyCount: Int { peers.count }
        public var otherPeers: [Peer] { peers.filter { $0.partyId != partyId } }
    }

    public var service: Service
    public var tls: TLS?
    public var storage: Storage
    public var threshold: Threshold?

    public var deploymentType: String { threshold == nil ? "centralized" : "threshold" }
}
