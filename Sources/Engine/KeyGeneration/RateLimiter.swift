import Synchronization

/// A token bucket shared by all requests of a core (DESIGN §6): each operation kind costs some tokens, the
/// bucket refills continuously up to its size, and a request that finds too few tokens is refused with
/// RESOURCE_EXHAUSTED before it starts any work.
public final class RateLimiter: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case keyGenPreprocessing = "keygen_preproc"
        case keyGeneration = "keygen"
        case insecureKeyGeneration = "insecure_keygen"
        case publicDecryption = "public_decrypt"
        case userDecryption = "user_decrypt"
    }

    /// `[rate_limiter]`: bucket size, refill rate and the cost of each kind (`<kind>_cost`).
    public struct Settings: Sendable, Equatable {
        public var bucketSize = 10_000
        public var refillPerSecond = 100
        public var costs: [Kind: Int] = [
            .keyGenPreprocessing: 1_000, .keyGeneration: 1_000, .insecureKeyGeneration: 1_000,
            .publicDecryption: 1, .userDecryption: 1,
        ]
        public init() {}
    }

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    public let settings: Settings
    private let bucket: Mutex<Bucket>
    private let refusals = Atomic<Int>(0)

    public init(settings: Settings) {
        self.settings = settings
        bucket = Mutex(Bucket(tokens: Double(settings.bucketSize), updated: .now))
    }

    /// Takes the kind's cost from the bucket, or throws RESOURCE_EXHAUSTED and takes nothing.
    public func admit(_ kind: Kind) throws(EngineError) {
        let cost = Double(settings.costs[kind] ?? 1)
        let admitted = bucket.withLock { bucket -> Bool in
            let now = ContinuousClock.now
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(Double(settings.bucketSize), bucket.tokens + seconds * Double(settings.refillPerSecond))
            bucket.updated = now
            guard bucket.tokens >= cost else { return false }
            bucket.tokens -= cost
            return true
        }
        guard admitted else {
            refusals.add(1, ordering: .relaxed)
            KMSMetrics.recordRateLimiterRefusal(kind: kind.rawValue)
            throw .resourceExhausted("rate limit: \(kind.rawValue) costs \(Int(cost)) tokens; the bucket refills \(settings.refillPerSecond) per second")
        }
    }

    /// Requests refused so far.
    public var refusedCount: Int { refusals.load(ordering: .relaxed) }
}
