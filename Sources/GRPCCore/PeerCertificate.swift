import Synchronization

/// The caller's verified leaf certificate as grpc hands it over (PEM, grpc's "x509_pem_cert"), one object per
/// connection: every call on that connection shares it. GRPCCore does not parse certificates; the application
/// does, once per connection, and keeps the result here (`derived(_:)`).
public final class PeerCertificate: Sendable, Equatable {
    public let pem: String
    private let derivedValue = AtomicLazyReference<DerivedValue>()

    public init(pem: String) {
        self.pem = pem
    }

    /// The value `make` derives from the PEM, computed on the first call for this certificate object and then
    /// returned from the cache (lock-free; if two calls race, one result wins and both return it). A call
    /// asking for a different type than the cached one computes it without caching.
    public func derived<Value: Sendable>(_ make: (String) -> Value) -> Value {
        if let cached = derivedValue.load()?.value as? Value { return cached }
        let made = make(pem)
        return derivedValue.storeIfNil(DerivedValue(made)).value as? Value ?? made
    }

    public static func == (lhs: PeerCertificate, rhs: PeerCertificate) -> Bool { lhs.pem == rhs.pem }

    private final class DerivedValue: Sendable {
        let value: any Sendable
        init(_ value: any Sendable) { self.value = value }
    }
}
