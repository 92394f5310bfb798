import Metrics
import Prometheus

/// The core's metrics (docs/OPERATIONS.md "Metrics"): recorded through swift-metrics, kept by swift-prometheus in
/// one registry that `MetricsEndpoint` serves. `bootstrap()` runs once per process (kms-server's main); without it
/// swift-metrics records nothing and the endpoint shows an empty registry.
public enum KMSMetrics {
    public static let registry = PrometheusCollectorRegistry()

    public static func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// One answered call on the public endpoint: counted by method and status, timed by method.
    static func recordCall(method: String, status: String, duration: Duration) {
        Counter(label: "kms_requests_total", dimensions: [("method", method), ("status", status)]).increment()
        Timer(label: "kms_request_duration_seconds", dimensions: [("method", method)]).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    static func recordRateLimiterRefusal(kind: String) {
        Counter(label: "kms_rate_limiter_refusals_total", dimensions: [("kind", kind)]).increment()
    }

    /// The MPC part of a decryption (all blocks of one request), by kind (public, user).
    static func recordDecryptionSession(kind: String, duration: Duration) {
        Timer(label: "kms_mpc_session_duration_seconds", dimensions: [("protocol", "\(kind)-decryption")]).recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    /// How a threshold decryption got its preprocessing: blocks of the pool, or its own (no pool blocks agreed).
    static func recordPoolAssignment(fromPool: Bool) {
        Counter(label: "kms_decryption_preprocessing_total", dimensions: [("source", fromPool ? "pool" : "own")]).increment()
    }

    /// Values read from the engine now and then (`MetricsEndpoint`'s refresher).
    static func setGauge(_ label: String, _ value: Int, dimensions: [(String, String)] = []) {
        Gauge(label: label, dimensions: dimensions).record(value)
    }
}
