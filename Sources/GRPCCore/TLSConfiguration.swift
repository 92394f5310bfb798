/// PEM certificate chain + PEM private key.
public struct TLSIdentity: Sendable {
    public var certificateChainPEM: String
    public var privateKeyPEM: String
    public init(certificateChainPEM: String, privateKeyPEM: String) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
    }
}

/// Server-side TLS: the server's identity and, for mutual TLS, the CA client certificates must chain to.
public struct ServerTLSConfiguration: Sendable {
    public var identity: TLSIdentity
    /// CA that client certificates must chain to.
    public var trustedRootsPEM: String?
    /// true = mutual TLS: a missing or foreign-CA client certificate is refused during the handshake.
    public var requireClientCertificate: Bool
    public init(identity: TLSIdentity, trustedRootsPEM: String?, requireClientCertificate: Bool) {
        self.identity = identity
        self.trustedRootsPEM = trustedRootsPEM
        self.requireClientCertificate = requireClientCertificate
    }
}

/// Client-side TLS: the CA the server must chain to, and an optional client certificate for mutual TLS.
public struct ClientTLSConfiguration: Sendable {
    public var trustedRootsPEM: String
    public var identity: TLSIdentity?
    /// Expected server name if it differs from the target host.
    public var serverNameOverride: String?
    public init(trustedRootsPEM: String, identity: TLSIdentity?, serverNameOverride: String? = nil) {
        self.trustedRootsPEM = trustedRootsPEM
        self.identity = identity
        self.serverNameOverride = serverNameOverride
    }
}
