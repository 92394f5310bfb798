import Crypto
import Foundation
import SwiftASN1
import X509

/// A freshly made certificate and its ECDSA P-256 private key, both PEM.
struct IssuedCertificate: Sendable {
    var certificate: Certificate
    var certificatePEM: String
    var privateKeyPEM: String
}

/// Issues the cluster's certificates: one self-signed CA, then leaf certificates signed by it.
/// Parties are named `CN=kms-core-<id>` so a core's TLS identity says which party it is (DESIGN §1).
struct CertificateIssuer {
    static let organization = "Threshold KMS"

    let caKey: P256.Signing.PrivateKey
    let caCertificate: Certificate
    let notBefore: Date
    let notAfter: Date

    /// Makes a new CA key and self-signed CA certificate valid for `validityDays` from an hour ago.
    init(validityDays: Int, now: Date = Date()) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName(Self.organization)
            CommonName("Threshold KMS CA")
        }
        let notBefore = now.addingTimeInterval(-3600)
        let notAfter = now.addingTimeInterval(Double(validityDays) * 86_400)
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
        }
        self.caKey = key
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.caCertificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
    }

    var caPEM: String {
        get throws { try caCertificate.serializeAsPEM().pemString }
    }

    /// Issues a leaf certificate `CN=<commonName>, O=Threshold KMS` with the given SANs and extended key usages.
    func issue(
        commonName: String, subjectAlternativeNames: [GeneralName], usages: [ExtendedKeyUsage.Usage]
    ) throws -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName(Self.organization)
            CommonName(commonName)
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let authorityKeyId = try caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
            try ExtendedKeyUsage(usages)
            SubjectKeyIdentifier(hash: publicKey)
            if let authorityKeyId {
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyId)
            }
            if !subjectAlternativeNames.isEmpty {
                SubjectAlternativeNames(subjectAlternativeNames)
            }
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: caCertificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(caKey)
        )
        return IssuedCertificate(
            certificate: certificate,
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation
        )
    }

    /// Turns host names and IP literals into SANs (IP literals become iPAddress entries), without duplicates.
    static func subjectAlternativeNames(for hosts: [String]) throws -> [GeneralName] {
        var seen = Set<String>()
        var names: [GeneralName] = []
        for raw in hosts {
            let host = raw.trimmingCharacters(in: .whitespaces)
            guard !host.isEmpty, seen.insert(host.lowercased()).inserted else { continue }
            if let address = IPAddressParser.bytes(of: host) {
                names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(address))))
            } else if IPAddressParser.isValidDNSName(host) {
                names.append(.dnsName(host))
            } else {
                throw CertGenError.invalidHost(host)
            }
        }
        return names
    }
}
