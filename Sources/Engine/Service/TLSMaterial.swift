import Foundation
import GRPCCore

/// The PEM files named in `[tls]`, read once at start-up, and the TLS configurations built from them.
struct TLSMaterial: Sendable {
    let caPEM: String
    let identity: TLSIdentity
    let requireClientCertificate: Bool
    private let paths: CoreConfiguration.TLS

    init(loading tls: CoreConfiguration.TLS) throws(ConfigurationError) {
        caPEM = try Self.read(tls.caCertificatePath, field: "tls.ca_cert", marker: "CERTIFICATE")
        identity = TLSIdentity(
            certificateChainPEM: try Self.read(tls.certificatePath, field: "tls.cert", marker: "CERTIFICATE"),
            privateKeyPEM: try Self.read(tls.privateKeyPath, field: "tls.key", marker: "PRIVATE KEY"))
        requireClientCertificate = tls.requireClientCertificate
        paths = tls
    }

    /// Refuses to start with a certificate that is not this core's own (DESIGN §1), read by swift-certificates:
    /// the private key must belong to the certificate, and a threshold core's certificate must carry the
    /// identity pinned for its own party id in `[[threshold.peers]]`, as its only common name and as a DNS
    /// subject alternative name (the name the other cores check when they call it).
    func checkOwnCertificate(threshold: CoreConfiguration.Threshold?) throws(ConfigurationError) {
        let certificatePath = paths.certificatePath
        guard let certificate = PartyCertificate(pem: identity.certificateChainPEM) else {
            throw ConfigurationError(
                field: "tls.cert", problem: "'\(certificatePath)' holds no X.509 certificate that can be read")
        }
        guard certificate.isCertified(privateKeyPEM: identity.privateKeyPEM) else {
            throw ConfigurationError(
                field: "tls.key",
                problem: "'\(paths.privateKeyPath)' is not the private key of tls.cert '\(certificatePath)'")
        }
        guard let threshold,
              let expected = threshold.peers.first(where: { $0.partyId == threshold.partyId })?.identity
        else { return }
        let names = certificate.names
        guard names.commonName == expected else {
            throw ConfigurationError(
                field: "tls.cert",
                problem: "'\(certificatePath)' is the certificate of CN=\(names.commonName ?? "none"), not of this core "
                    + "(party \(threshold.partyId), identity \(expected) in [[threshold.peers]])")
        }
        guard names.carries(expected) else {
            throw ConfigurationError(
                field: "tls.cert",
                problem: "'\(certificatePath)' (CN=\(expected)) lacks the DNS name \(expected) that the other cores "
                    + "check; make the certificates with kms-gen-tls-certs")
        }
    }

    /// Public endpoint: server certificate; client certificates from the CA required when mutual TLS is on.
    var serverConfiguration: ServerTLSConfiguration {
        ServerTLSConfiguration(identity: identity, trustedRootsPEM: caPEM, requireClientCertificate: requireClientCertificate)
    }

    /// Peer endpoint: always mutual TLS, whatever the public endpoint does.
    var peerServerConfiguration: ServerTLSConfiguration {
        ServerTLSConfiguration(identity: identity, trustedRootsPEM: caPEM, requireClientCertificate: true)
    }

    /// This core calling the peer endpoint of `peer`: trusts the CA, presents its own certificate, and accepts
    /// only `peer`'s certificate (DESIGN §6: outbound calls check that the server is the party pinned for that id).
    func peerClientConfiguration(for peer: CoreConfiguration.Peer) -> ClientTLSConfiguration {
        peerClientConfiguration(pinnedTo: peer.identity)
    }

    /// As `peerClientConfiguration(for:)`, for the party whose pinned identity is `identity`.
    func peerClientConfiguration(pinnedTo identity: String) -> ClientTLSConfiguration {
        peerClientConfiguration.pinned(to: identity)
    }

    /// Trusts the CA and presents this core's certificate, but accepts any server certificate of the CA that
    /// names the target's host — never use it for a channel to a peer as it is: pin it (`pinned(to:)`,
    /// `peerClientConfiguration(for:)`). PeerHealthProber pins what it is given.
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
