import GRPCCore

extension ClientTLSConfiguration {
    /// This configuration accepting only the server certificate of the party whose pinned identity is `identity`
    /// (DESIGN §1, §6). grpc then checks the server's certificate against `identity` (serverNameOverride, also
    /// sent as SNI) instead of against the target's host name, and of the cluster's certificates only that
    /// party's carries its identity as a DNS subject alternative name: kms-gen-tls-certs names party i
    /// `kms-core-<i>` and refuses to put another party's identity into its certificate, and a core refuses to
    /// start with a certificate that lacks its own (`TLSMaterial.checkOwnCertificate`). The CA check is unchanged.
    func pinned(to identity: String) -> ClientTLSConfiguration {
        var pinned = self
        pinned.serverNameOverride = identity
        return pinned
    }
}
