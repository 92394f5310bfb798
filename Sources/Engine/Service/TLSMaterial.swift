import Foundation
import GRPCCore

/// The PEM files named in `[tls]`, read once at start-up, and the TLS configurations built from them.
struct TLSMaterial: Sendable {
    let caPEM: String
    let identity: TLSIdentity
    let requireClientCertificate: Bool

    init(loading tls: CoreConfiguration.TLS) throws(ConfigurationError) {
        caPEM = try Self.read(tls.caCertificatePath, field: "tls.ca_cert", marker: "CERTIFICATE")
        identity = TLSIdentity(
            certificateChainPEM: try Self.read(tls.certificatePath, field: "tls.cert", marker: "CERTIFICATE"),
            privateKeyPEM: try Self.read(tls.privateKeyPath, field: "tls.key", marker: "PRIVATE KEY"))
        requireClientCertificate = tls.requireClientCertificate
    }

    /// Public endpoint: server certificate; client certificates from the CA required when mutual TLS is on.
    var serverConfiguration: ServerTLSConfiguration {
        ServerTLSConfiguration(identity: identity, trustedRootsPEM: caPEM, requireClientCertificate: requireClientCertificate)
    }

    /// Peer endpoint: always mutual TLS, whatever the public endpoint does.
    var peerServerConfiguration: ServerTLSConfiguration {
        ServerTLSConfiguration(identity: identity, trustedRootsPEM: caPEM, requireClientCertificate: true)
    }

    /// This core calling another core: trusts the CA, presents its own certificate.
    var peerClientConfiguration: ClientTLSConfiguration {
        ClientTLSConfiguration(trustedRootsPEM: caPEM, identity: identity)
    }

    private static func read(_ path: String, field: String, marker: String) throws(ConfigurationError) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(field: field, problem: "cannot read '\(path)'")
        }
        guard text.contains("-----BEGIN"), text.contains(marker) else {
            throw ConfigurationError(field: field, problem: "'\(path)' is not a PEM \(marker.lowercased())")
        }
        return text
    }
}
