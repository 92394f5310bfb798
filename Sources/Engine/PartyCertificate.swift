import Foundation
import X509

/// A core's TLS certificate as swift-certificates reads it — names are never taken from a printed subject
/// string, where an attribute value may itself contain "CN=…". A party is known by its identity name
/// (`[[threshold.peers]] identity`, `kms-core-<id>` by default), which its certificate carries as the subject's
/// only common name and as a DNS subject alternative name (DESIGN §1; kms-gen-tls-certs makes them so).
struct PartyCertificate: Sendable {
    /// What a certificate says about who it is; empty for one that cannot be read.
    struct Names: Sendable, Equatable {
        /// The subject's common name; nil when it has none, several, or one that is not a string.
        var commonName: String?
        /// The DNS names among the subject alternative names.
        var dnsNames: [String]

        static let none = Names(commonName: nil, dnsNames: [])

        /// Whether these names are exactly `identity`'s: the common name, and a DNS name (case-insensitive,
        /// as TLS host-name checks compare it).
        func carries(_ identity: String) -> Bool {
            commonName == identity && dnsNames.contains { $0.lowercased() == identity.lowercased() }
        }
    }

    let certificate: Certificate
    let names: Names

    /// The first certificate of a PEM file (a leaf, possibly followed by its chain); nil when there is none that
    /// swift-certificates can read.
    init?(pem: String) {
        guard let block = Self.firstCertificateBlock(in: pem),
              let certificate = try? Certificate(pemEncoded: String(block))
        else { return nil }
        self.certificate = certificate
        names = Self.names(of: certificate)
    }

    /// The names of a PEM certificate, or `.none` when it cannot be read.
    static func names(pem: String) -> Names {
        PartyCertificate(pem: pem)?.names ?? .none
    }

    /// Whether `privateKeyPEM` (PKCS#8, SEC1 or RSA PEM) is the private key of this certificate's public key.
    func isCertified(privateKeyPEM: String) -> Bool {
        guard let key = try? Certificate.PrivateKey(pemEncoded: privateKeyPEM) else { return false }
        return key.publicKey == certificate.publicKey
    }

    private static func names(of certificate: Certificate) -> Names {
        let commonNames = certificate.subject.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }
        var names = Names.none
        if commonNames.count == 1, let value = String(commonNames[0].value) { names.commonName = value }
        if let alternatives = try? certificate.extensions.subjectAlternativeNames {
            names.dnsNames = alternatives.compactMap { name in
                if case .dnsName(let dns) = name { dns } else { nil }
            }
        }
        return names
    }

    /// The text from the first "-----BEGIN CERTIFICATE-----" to its "-----END CERTIFICATE-----" (PEM framing
    /// only: the certificate inside is decoded by swift-certificates). Certificate(pemEncoded:) refuses a file
    /// holding several PEM blocks, as a chain file does.
    private static func firstCertificateBlock(in pem: String) -> Substring? {
        let begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----"
        guard let start = pem.range(of: begin),
              let stop = pem.range(of: end, range: start.upperBound..<pem.endIndex)
        else { return nil }
        return pem[start.lowerBound..<stop.upperBound]
    }
}
