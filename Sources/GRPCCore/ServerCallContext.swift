/// The verified identity of the caller, from the TLS auth context (nil fields when plaintext).
public struct PeerIdentity: Sendable, Equatable {
    /// e.g. "ipv4:127.0.0.1:53412"
    public var address: String
    /// x509 subject as grpc prints it, e.g. "CN=kms-core-2,O=Threshold KMS": for logs only, never parse it
    /// (an attribute value may itself contain "CN=…"); read names from `certificate` with an X.509 library.
    public var subject: String?
    /// grpc's reading of the common name (for logs and tests); authorization reads `certificate`.
    public var commonName: String?
    /// DNS names and IP addresses.
    public var subjectAlternativeNames: [String]
    /// A client certificate was presented and verified.
    public var isAuthenticated: Bool
    /// The verified leaf certificate the caller presented (shared by all calls on its connection), or nil.
    public var certificate: PeerCertificate?

    /// The verified leaf certificate as PEM, or nil when the caller presented none.
    public var certificatePEM: String? { certificate?.pem }

    public init(address: String, subject: String?, commonName: String?, subjectAlternativeNames: [String],
                isAuthenticated: Bool, certificate: PeerCertificate? = nil) {
        self.address = address
        self.subject = subject
        self.commonName = commonName
        self.subjectAlternativeNames = subjectAlternativeNames
        self.isAuthenticated = isAuthenticated
        self.certificate = certificate
    }
}

/// What a handler knows about the call it serves.
public struct ServerCallContext: Sendable {
    /// "/kms.v1.CoreServiceEndpoint/GetHealthStatus"
    public var method: String
    public var peer: PeerIdentity
    /// Client metadata (ASCII headers; binary "-bin" headers are not passed).
    public var metadata: [(key: String, value: String)]

    public init(method: String, peer: PeerIdentity, metadata: [(key: String, value: String)]) {
        self.method = method
        self.peer = peer
        self.metadata = metadata
    }
}

/// A unary method handler. Throwing `GRPCStatus` answers with that status; any other error answers INTERNAL with
/// a generic message (never the error's text, which could hold secrets).
public typealias UnaryHandler = @Sendable (_ request: [UInt8], _ context: ServerCallContext) async throws -> [UInt8]
