import Foundation
import Testing

/// kms-gen-tls-certs, checked with openssl (code nobody here wrote).
@Suite struct CertGenTests {
    @Test func opensslVerifiesEveryCertificateAgainstTheCA() throws {
        let certificates = try TestCertificates.generate(parties: 4)
        defer { certificates.remove() }
        let openssl = try TestProcesses.tool("openssl")
        for name in ["core-1.pem", "core-2.pem", "core-3.pem", "core-4.pem", "client.pem"] {
            let result = try TestProcesses.run(openssl, ["verify", "-CAfile", certificates.caPath, certificates.path(name)])
            #expect(result.status == 0, "openssl verify \(name): \(result.combined)")
            #expect(result.output.contains("\(name): OK"))
        }
    }

    @Test func partyCertificatesNameThePartyAndCarryTheSANs() throws {
        let certificates = try TestCertificates.generate(parties: 3, hosts: ["core.example.test", "10.1.2.3"])
        defer { certificates.remove() }
        let openssl = try TestProcesses.tool("openssl")
        for party in 1...3 {
            let result = try TestProcesses.run(
                openssl, ["x509", "-in", certificates.certificatePath(party: party), "-noout", "-subject", "-ext", "subjectAltName,extendedKeyUsage"])
            #expect(result.status == 0, "\(result.combined)")
            #expect(result.output.contains("CN = kms-core-\(party)"), "\(result.output)")
            for san in ["DNS:core.example.test", "IP Address:10.1.2.3", "DNS:localhost", "IP Address:127.0.0.1"] {
                #expect(result.output.contains(san), "party \(party) lacks \(san): \(result.output)")
            }
            #expect(result.output.contains("TLS Web Server Authentication"))
            #expect(result.output.contains("TLS Web Client Authentication"))
        }
        let ca = try TestProcesses.run(openssl, ["x509", "-in", certificates.caPath, "-noout", "-ext", "basicConstraints", "-text"])
        #expect(ca.output.contains("CA:TRUE"))
        #expect(ca.output.contains("prime256v1") || ca.output.contains("P-256"))
    }

    @Test func privateKeysAreOwnerOnlyAndMatchTheirCertificates() throws {
        let certificates = try TestCertificates.generate(parties: 2)
        defer { certificates.remove() }
        let openssl = try TestProcesses.tool("openssl")
        for (certificate, key) in [("core-1.pem", "core-1.key"), ("core-2.pem", "core-2.key"), ("client.pem", "client.key")] {
            let attributes = try FileManager.default.attributesOfItem(atPath: certificates.path(key))
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(mode == 0o600, "\(key) has mode \(String(mode, radix: 8))")
            let fromKey = try TestProcesses.run(openssl, ["pkey", "-in", certificates.path(key), "-pubout"])
            let fromCertificate = try TestProcesses.run(openssl, ["x509", "-in", certificates.path(certificate), "-noout", "-pubkey"])
            #expect(fromKey.status == 0 && !fromKey.output.isEmpty)
            #expect(fromKey.output == fromCertificate.output, "\(key) does not belong to \(certificate)")
        }
        #expect(!FileManager.default.fileExists(atPath: certificates.path("ca.key")), "the CA key must not be written")
    }

    @Test func everyRunMakesADifferentCA() throws {
        let first = try TestCertificates.generate(parties: 1)
        let second = try TestCertificates.generate(parties: 1)
        defer { first.remove(); second.remove() }
        #expect(try first.read("ca.pem") != second.read("ca.pem"))
        let openssl = try TestProcesses.tool("openssl")
        let crossed = try TestProcesses.run(openssl, ["verify", "-CAfile", first.caPath, second.certificatePath(party: 1)])
        #expect(crossed.status != 0, "a certificate of another CA must not verify")
    }

    @Test func badArgumentsAreRefusedAndHelpTellsTheOptions() throws {
        let tool = try TestProcesses.binary("kms-gen-tls-certs")
        let directory = try TestProcesses.temporaryDirectory(prefix: "certs-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let badHost = try TestProcesses.run(tool, ["--parties", "2", "--out", directory.path, "--hosts", "bad host"])
        #expect(badHost.status != 0)
        #expect(badHost.errorOutput.contains("invalid host 'bad host'"))
        let zero = try TestProcesses.run(tool, ["--parties", "0", "--out", directory.path])
        #expect(zero.status != 0)
        let help = try TestProcesses.run(tool, ["--help"])
        #expect(help.status == 0)
        for word in ["--parties", "--out", "--hosts", "ca.pem", "core-<i>.pem", "client.pem", "0600"] {
            #expect(help.output.contains(word), "--help does not mention \(word)")
        }
    }
}
