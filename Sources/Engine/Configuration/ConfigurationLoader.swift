import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a `CoreConfiguration` from TOML text plus `KMS_CORE__…` environment overrides, and checks it.
/// Every failure is one `ConfigurationError` naming the field and the problem.
public enum ConfigurationLoader {
    /// The most parties a cluster may have: the MPC layer (PartyContext) caps n at 64.
    public static let maximumPartyCount = 64
    /// The most PRSS subsets, C(n, t), a cluster may need: PRSS set-up enumerates every subset and every
    /// random value costs one PRF call per subset a party is in, so larger (n, t) would effectively hang.
    /// 10,000 admits every t for n ≤ 16 (C(16, 5) = 4,368) and t ≤ 4 up to n = 33 … 64 (e.g. C(33, 4) = 40,920 is
    /// refused, C(25, 4) = 12,650 too, C(22, 4) = 7,315 is allowed).
    public static let maximumPRSSSubsets = 10_000

    static let logLevels: Set<String> = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> CoreConfiguration {
        let text: String
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError(field: "--config", problem: "file '\(path)' does not exist")
        }
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(field: "--config", problem: "cannot read '\(path)' as UTF-8 text")
        }
        return try parse(toml: text, environment: environment)
    }

    public static func parse(toml text: String, environment: [String: String] = [:]) throws(ConfigurationError)
        -> CoreConfiguration
    {
        var overrides = EnvironmentOverrides(environment: environment)
        let root = try overrides.apply(to: try ConfigurationValue.parse(toml: text))
        var reader = try ConfigurationReader(path: "", value: root, sources: overrides.sources)

        guard var serviceReader = try reader.table("service") else { throw reader.missing("service") }
        let service = try readService(&serviceReader)
        var tls: CoreConfiguration.TLS?
        if var tlsReader = try reader.table("tls") { tls = try readTLS(&tlsReader) }
        guard var storageReader = try reader.table("storage") else { throw reader.missing("storage") }
        let storage = CoreConfiguration.Storage(dataDirectory: try storageReader.requiredString("data_dir"))
        try storageReader.rejectUnknownKeys()
        var threshold: CoreConfiguration.Threshold?
        if var thresholdReader = try reader.table("threshold") {
            threshold = try readThreshold(&thresholdReader)
            if threshold?.peerListenPort == service.listenPort,
                threshold?.peerListenAddress == service.listenAddress, service.listenPort != 0
            {
                throw ConfigurationError(
                    field: thresholdReader.fieldName("listen_port"),
                    problem: "must differ from service.listen_port (\(service.listenPort))")
            }
        }
        var vault: CoreConfiguration.VaultRootKey?
        if var vaultReader = try reader.table("vault") { vault = try readVault(&vaultReader) }
        var misbehaviour: CoreConfiguration.TestMisbehaviour?
        if var misbehaviourReader = try reader.table("test_misbehaviour") {
            misbehaviour = try readMisbehaviour(&misbehaviourReader)
            guard service.enableInsecureService else {
                throw ConfigurationError(
                    field: "test_misbehaviour",
                    problem: "only allowed in insecure test mode (service.enable_insecure_service = true)")
            }
            guard threshold != nil else {
                throw ConfigurationError(field: "test_misbehaviour", problem: "only a threshold core runs MPC protocols")
            }
        }
        var publicStorage: CoreConfiguration.PublicStorage?
        if var storageReader = try reader.table("public_storage") { publicStorage = try readPublicStorage(&storageReader) }
        var decryption = CoreConfiguration.Decryption()
        if var decryptionReader = try reader.table("decryption") { decryption = try readDecryption(&decryptionReader) }
        var metrics: CoreConfiguration.Metrics?
        if var metricsReader = try reader.table("metrics") {
            metrics = CoreConfiguration.Metrics(
                listenAddress: try metricsReader.string("listen_address") ?? "127.0.0.1",
                listenPort: try metricsReader.integer("listen_port", in: 0...65535) ?? 9646)
            try metricsReader.rejectUnknownKeys()
        }
        var rateLimiter = RateLimiter.Settings()
        if var limiterReader = try reader.table("rate_limiter") { rateLimiter = try readRateLimiter(&limiterReader) }
        if threshold != nil, tls == nil {
            throw ConfigurationError(field: "tls", problem: "missing (required for a threshold core: peers authenticate by certificate)")
        }
        if threshold == nil, tls == nil, !isLoopback(service.listenAddress) {
            throw ConfigurationError(
                field: "service.listen_address",
                problem: "'\(service.listenAddress)' is not loopback, and without [tls] the core would serve plaintext gRPC on it; configure [tls] or listen on 127.0.0.1 / ::1 / localhost")
        }
        try reader.rejectUnknownKeys()
        var configuration = CoreConfiguration(
            service: service, tls: tls, storage: storage, threshold: threshold, vault: vault, testMisbehaviour: misbehaviour)
        configuration.rateLimiter = rateLimiter
        configuration.publicStorage = publicStorage
        configuration.decryption = decryption
        configuration.metrics = metrics
        return configuration
    }

    private static func readPublicStorage(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> CoreConfiguration.PublicStorage {
        let storage = CoreConfiguration.PublicStorage(
            bucket: try reader.requiredString("s3_bucket"), region: try reader.string("s3_region") ?? "us-east-1",
            endpoint: try reader.string("s3_endpoint"), addressingStyle: try reader.string("s3_addressing_style") ?? "virtual-host",
            keyPrefix: try reader.string("s3_key_prefix") ?? "")
        guard ["path", "virtual-host"].contains(storage.addressingStyle) else {
            throw ConfigurationError(field: reader.fieldName("s3_addressing_style"), problem: "'\(storage.addressingStyle)' is not 'path' or 'virtual-host'")
        }
        if let endpoint = storage.endpoint, !(endpoint.hasPrefix("https://") || endpoint.hasPrefix("http://")) {
            throw ConfigurationError(field: reader.fieldName("s3_endpoint"), problem: "expected http(s)://host[:port], got '\(endpoint)'")
        }
        try reader.rejectUnknownKeys()
        return storage
    }

    private static func readDecryption(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> CoreConfiguration.Decryption {
        var settings = CoreConfiguration.Decryption()
        settings.batchLimit = try reader.integer("batch_limit", in: 1...10_000) ?? settings.batchLimit
        settings.resultCacheCapacity = try reader.integer("result_cache_capacity", in: 1...10_000_000) ?? settings.resultCacheCapacity
        settings.longPollMilliseconds = try reader.integer("long_poll_milliseconds", in: 0...600_000) ?? settings.longPollMilliseconds
        settings.poolTargetBlocks = try reader.integer("pool_target_blocks", in: 0...1_000_000) ?? settings.poolTargetBlocks
        settings.poolBatchBlocks = try reader.integer("pool_batch_blocks", in: 1...4_096) ?? settings.poolBatchBlocks
        try reader.rejectUnknownKeys()
        return settings
    }

    private static func readRateLimiter(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> RateLimiter.Settings {
        var settings = RateLimiter.Settings()
        settings.bucketSize = try reader.integer("bucket_size", in: 1...1_000_000_000) ?? settings.bucketSize
        settings.refillPerSecond = try reader.integer("refill_per_second", in: 0...1_000_000_000) ?? settings.refillPerSecond
        for kind in RateLimiter.Kind.allCases {
            if let cost = try reader.integer("\(kind.rawValue)_cost", in: 0...1_000_000_000) { settings.costs[kind] = cost }
        }
        try reader.rejectUnknownKeys()
        return settings
    }

    /// 127.0.0.0/8, ::1 and localhost: the only addresses a core may serve plaintext gRPC on.
    static func isLoopback(_ address: String) -> Bool {
        let trimmed = address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
        if trimmed == "localhost" || trimmed == "::1" || trimmed == "0:0:0:0:0:0:0:1" { return true }
        let octets = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// C(n, k), or nil once it exceeds `limit` (so huge clusters never overflow).
    static func binomial(_ n: Int, _ k: Int, limit: Int) -> Int? {
        let k = min(k, n - k)
        guard k >= 0 else { return 0 }
        var result = 1
        for i in 0..<k {
            result = result * (n - i) / (i + 1)  // exact: a product of i + 1 consecutive integers is divisible by (i + 1)!
            if result > limit { return nil }
        }
        return result
    }

    private static func readVault(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> CoreConfiguration.VaultRootKey {
        var sources: [CoreConfiguration.VaultRootKey] = []
        if let path = try reader.string("root_key_file") { sources.append(.keyFile(path)) }
        if let path = try reader.string("password_file") { sources.append(.passwordFile(path)) }
        if let name = try reader.string("password_env") { sources.append(.passwordEnvironment(name)) }
        guard sources.count == 1 else {
            throw ConfigurationError(
                field: "vault", problem: "set exactly one of root_key_file, password_file, password_env (got \(sources.count))")
        }
        try reader.rejectUnknownKeys()
        return sources[0]
    }

    private static func readMisbehaviour(_ reader: inout ConfigurationReader) throws(ConfigurationError)
        -> CoreConfiguration.TestMisbehaviour
    {
        let mode = try reader.requiredString("mode")
        guard Misbehaviour(rawValue: mode) != nil else {
            throw ConfigurationError(
                field: reader.fieldName("mode"),
                problem: "'\(mode)' is not one of \(Misbehaviour.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let delay = try reader.integer("delay_ms", in: 0...600_000) ?? 500
        try reader.rejectUnknownKeys()
        return CoreConfiguration.TestMisbehaviour(mode: mode, delayMilliseconds: delay)
    }

    private static func readService(_ reader: inout ConfigurationReader) throws(ConfigurationError)
        -> CoreConfiguration.Service
    {
        let service = CoreConfiguration.Service(
            listenAddress: try listenAddress(&reader),
            listenPort: try reader.requiredInteger("listen_port", in: 0...65535),
            maxMessageBytes: try reader.integer("max_message_bytes", in: 1024...(1 << 30)) ?? (4 << 20),
            enableInsecureService: try reader.boolean("enable_insecure_service") ?? false,
            shutdownGraceSeconds: try reader.integer("shutdown_grace_seconds", in: 0...3600) ?? 10,
            logLevel: try reader.string("log_level") ?? "info")
        guard logLevels.contains(service.logLevel) else {
            throw ConfigurationError(
                field: reader.fieldName("log_level"),
                problem: "'\(service.logLevel)' is not one of \(logLevels.sorted().joined(separator: ", "))")
        }
        try reader.rejectUnknownKeys()
        return service
    }

    /// `listen_address`: an IPv4 or IPv6 address or a host name, without a port (the port is `listen_port`).
    private static func listenAddress(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> String {
        let address = try reader.requiredString("listen_address")
        var ipv4 = in_addr(), ipv6 = in6_addr()
        if inet_pton(AF_INET, address, &ipv4) == 1 || inet_pton(AF_INET6, address, &ipv6) == 1 { return address }
        let field = reader.fieldName("listen_address")
        if let colon = address.lastIndex(of: ":"), Int(address[address.index(after: colon)...]) != nil {
            throw ConfigurationError(
                field: field,
                problem: "'\(address)' includes a port; give the host only and the port as listen_port (e.g. KMS_CORE__SERVICE__LISTEN_PORT)")
        }
        let labels = address.split(separator: ".", omittingEmptySubsequences: false)
        let isHostName = address.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
        }
        guard isHostName else {
            throw ConfigurationError(field: field, problem: "'\(address)' is not an IP address or a host name")
        }
        return address
    }

    private static func readTLS(_ reader: inout ConfigurationReader) throws(ConfigurationError) -> CoreConfiguration.TLS {
        let tls = CoreConfiguration.TLS(
            caCertificatePath: try reader.requiredString("ca_cert"),
            certificatePath: try reader.requiredString("cert"),
            privateKeyPath: try reader.requiredString("key"),
            requireClientCertificate: try reader.boolean("require_client_certificate") ?? true)
        for (key, path) in [("ca_cert", tls.caCertificatePath), ("cert", tls.certificatePath), ("key", tls.privateKeyPath)]
        where !FileManager.default.isReadableFile(atPath: path) {
            throw ConfigurationError(field: reader.fieldName(key), problem: "file '\(path)' does not exist or is not readable")
        }
        try reader.rejectUnknownKeys()
        return tls
    }

    private static func readThreshold(_ reader: inout ConfigurationReader) throws(ConfigurationError)
        -> CoreConfiguration.Threshold
    {
        let partyId = try reader.requiredInteger("party_id", in: 1...maximumPartyCount)
        let threshold = try reader.requiredInteger("threshold", in: 1...21)
        let listenAddress = try listenAddress(&reader)
        let listenPort = try reader.requiredInteger("listen_port", in: 0...65535)
        var peers: [CoreConfiguration.Peer] = []
        for var peerReader in try reader.arrayOfTables("peers") {
            let id = try peerReader.requiredInteger("party_id", in: 1...(maximumPartyCount + 1))
            let peer = CoreConfiguration.Peer(
                partyId: id,
                address: try peerReader.requiredString("address"),
                identity: try peerReader.string("identity") ?? "kms-core-\(id)")
            guard peer.address.contains(":") else {
                throw ConfigurationError(field: peerReader.fieldName("address"), problem: "expected host:port, got '\(peer.address)'")
            }
            if peers.contains(where: { $0.partyId == id }) {
                throw ConfigurationError(field: peerReader.fieldName("party_id"), problem: "party \(id) is listed twice")
            }
            // Two parties at one address, or with one certificate identity, would let one server be two parties.
            if let other = peers.first(where: { $0.address.lowercased() == peer.address.lowercased() }) {
                throw ConfigurationError(
                    field: peerReader.fieldName("address"),
                    problem: "'\(peer.address)' is already the address of party \(other.partyId); every party needs its own")
            }
            if let other = peers.first(where: { $0.identity == peer.identity }) {
                throw ConfigurationError(
                    field: peerReader.fieldName("identity"),
                    problem: "'\(peer.identity)' is already the TLS identity of party \(other.partyId); every party needs its own certificate")
            }
            try peerReader.rejectUnknownKeys()
            peers.append(peer)
        }
        let count = peers.count
        let peersField = reader.fieldName("peers")
        guard count > 0 else { throw ConfigurationError(field: peersField, problem: "missing (list every party, this one included)") }
        guard count <= maximumPartyCount else {
            throw ConfigurationError(field: peersField, problem: "\(count) parties; the MPC layer supports at most \(maximumPartyCount)")
        }
        guard Set(peers.map(\.partyId)) == Set(1...count) else {
            throw ConfigurationError(field: peersField, problem: "party ids must be exactly 1…\(count), got \(peers.map(\.partyId).sorted())")
        }
        guard (1...count).contains(partyId) else {
            throw ConfigurationError(field: reader.fieldName("party_id"), problem: "\(partyId) is not among the peers 1…\(count)")
        }
        guard count >= 3 * threshold + 1 else {
            throw ConfigurationError(
                field: reader.fieldName("threshold"),
                problem: "\(threshold) needs at least \(3 * threshold + 1) parties (n ≥ 3t + 1), got \(count)")
        }
        guard binomial(count, threshold, limit: maximumPRSSSubsets) != nil else {
            throw ConfigurationError(
                field: reader.fieldName("threshold"),
                problem: "\(threshold) with \(count) parties needs C(\(count), \(threshold)) PRSS subsets, more than the limit of \(maximumPRSSSubsets)")
        }
        var network = CoreConfiguration.PeerNetworkSettings()
        network.roundTimeoutMilliseconds = try reader.integer("round_timeout_ms", in: 10...600_000) ?? network.roundTimeoutMilliseconds
        network.roundDeadlineMilliseconds = try reader.integer("round_deadline_ms", in: 10...3_600_000) ?? network.roundDeadlineMilliseconds
        network.peerQuotaBytes = try reader.integer("peer_quota_bytes", in: (1 << 20)...(1 << 34)) ?? network.peerQuotaBytes
        network.sessionExpirySeconds = try reader.integer("session_expiry_seconds", in: 1...86_400) ?? network.sessionExpirySeconds
        network.outboundQueueBytes = try reader.integer("outbound_queue_bytes", in: (1 << 20)...(1 << 34)) ?? network.outboundQueueBytes
        if network.roundDeadlineMilliseconds < network.roundTimeoutMilliseconds {
            throw ConfigurationError(field: reader.fieldName("round_deadline_ms"), problem: "must not be shorter than round_timeout_ms")
        }
        if network.sessionExpirySeconds * 1000 < network.roundDeadlineMilliseconds {
            throw ConfigurationError(field: reader.fieldName("session_expiry_seconds"), problem: "must not be shorter than round_deadline_ms")
        }
        try reader.rejectUnknownKeys()
        var result = CoreConfiguration.Threshold(
            partyId: partyId, threshold: threshold, peerListenAddress: listenAddress, peerListenPort: listenPort,
            peers: peers.sorted { $0.partyId < $1.partyId })
        result.network = network
        return result
    }
}
