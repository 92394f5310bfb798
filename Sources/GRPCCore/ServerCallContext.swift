/// The verified identity of the caller, from the TLS auth context (nil fields when plaintext).
public struct PeerIdentity: Sendable, Equatable {
    /// e.g. "ipv4:127.0.0.1:53412"
    public var address: String
    /// x509 subject as grpc reports it, e.g. "CN=kms-core-2,O=Threshold KMS"
    public var subject: String?
    public var commonName: String?
    /// DNS names and IP addresses.
    public var subjectAlternativeNames: [String]
    /// A client certificate was presented and verified.
    public var isAuthenticated: Bool

    public init(address: String, subject: String?, commonName: String?, subjectAlternativeNames: [String],
                isAuthenticated: Bool) {
        self.address = address
        self.subject = subject
        self.commonName = commonName
        self.subjectAlternativeNames = subjectAlternativeNames
        self.isAuthenticated = isAuthenticated
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
