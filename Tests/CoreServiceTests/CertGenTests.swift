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
                openssl, ["x509", "-in", certificates.certificatePath(party: party), "-noout", "-subject", "-ext", "extendedKeyUsage"])
            #expect(result.status == 0, "\(result.combined)")
            #expect(result.output.contains("CN = kms-core-\(party)"), "\(result.output)")
            #expect(result.output.contains("TLS Web Server Authentication"))
            #expect(result.output.contains("TLS Web Client Authentication"))
            // Explicitly shared hosts go to every party, next to its own identity name, and nothing else.
            #expect(
                try certificates.alternativeNames("core-\(party).pem")
                    == ["DNS:kms-core-\(party)", "DNS:core.example.test", "IP Address:10.1.2.3"])
        }
        let ca = try TestProcesses.run(openssl, ["x509", "-in", certificates.caPath, "-noout", "-ext", "basicConstraints", "-text"])
        #expect(ca.output.contains("CA:TRUE"))
        #expect(ca.output.contains("prime256v1") || ca.output.contains("P-256"))
    }

    /// The local testnet (no host options): party i is kms-core-i on localhost/127.0.0.1, never another party.
    @Test func localTestnetCertificatesCarryOnlyTheirOwnIdentityAndLoopback() throws {
        let certificates = try TestCertificates.generate(parties: 4)
        defer { certificates.remove() }
        for party in 1...4 {
            #expect(
                try certificates.alternativeNames("core-\(party).pem")
                    == ["DNS:kms-core-\(party)", "DNS:localhost", "IP Address:127.0.0.1"])
        }
        #expect(try certificates.alternativeNames("client.pem").isEmpty)
    }

    /// `--host-for PARTY=HOST[,HOST]`: each party gets its identity name and its own hosts, nobody else's.
    @Test func eachPartyGetsOnlyTheHostsGivenForIt() throws {
        let certificates = try TestCertificates.generate(
            parties: 3, hostsFor: [1: ["core1.example.test", "10.0.0.1"], 2: ["core2.example.test", "fd00::2"]])
        defer { certificates.remove() }
        #expect(
            try certificates.alternativeNames("core-1.pem")
                == ["DNS:kms-core-1", "DNS:core1.example.test", "IP Address:10.0.0.1"])
        #expect(
            try certificates.alternativeNames("core-2.pem")
                == ["DNS:kms-core-2", "DNS:core2.example.test", "IP Address:FD00:0:0:0:0:0:0:2"])
        #expect(try certificates.alternativeNames("core-3.pem") == ["DNS:kms-core-3"])

        // Shared and per-party hosts combine.
        let both = try TestCertificates.generate(parties: 2, hosts: ["lb.example.test"], hostsFor: [2: ["core2.example.test"]])
        defer { both.remove() }
        #expect(try both.alternativeNames("core-1.pem") == ["DNS:kms-core-1", "DNS:lb.example.test"])
        #expect(try both.alternativeNames("core-2.pem") == ["DNS:kms-core-2", "DNS:lb.example.test", "DNS:core2.example.test"])
    }

    /// A host list that would give a party another party's identity, or names a party that does not exist, is
    /// refused in one line.
    @Test func hostsThatWouldImpersonateAnotherPartyAreRefused() throws {
        let tool = try TestProcesses.binary("kms-gen-tls-certs")
        let directory = try TestProcesses.temporaryDirectory(prefix: "certs-impersonate")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [([String], String)] = [
            (["--host-for", "2=kms-core-1"], "kms-core-1"),
            (["--hosts", "KMS-CORE-3"], "KMS-CORE-3"),
            (["--host-for", "5=core5.example.test"], "--host-for 5"),
            (["--host-for", "two=core2.example.test"], "--host-for"),
            (["--host-for", "2=bad host"], "invalid host 'bad host'"),
        ]
        for (arguments, expected) in cases {
            let result = try TestProcesses.run(tool, ["--parties", "4", "--out", directory.path] + arguments)
            #expect(result.status != 0, "\(arguments) was accepted")
            #expect(result.errorOutput.contains(expected), "\(arguments): \(result.errorOutput)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ca.pem").path))
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
        for word in ["--parties", "--out", "--hosts", "--host-for", "kms-core-<i>", "ca.pem", "core-<i>.pem", "client.pem", "0600"] {
            #expect(help.output.contains(word), "--help does not mention \(word)")
        }
    }

    /// Issue 14: an existing CA is never replaced silently, and file errors are one line naming the path.
    @Test func existingCertificatesAreKeptUnlessForced() throws {
        let tool = try TestProcesses.binary("kms-gen-tls-certs")
        let certificates = try TestCertificates.generate(parties: 2)
        defer { certificates.remove() }
        let before = try certificates.read("ca.pem")
        let refused = try TestProcesses.run(tool, ["--parties", "2", "--out", certificates.directory.path])
        #expect(refused.status != 0)
        #expect(refused.errorOutput.contains("already holds ca.pem") && refused.errorOutput.contains("--force"), "\(refused.combined)")
        #expect(try certificates.read("ca.pem") == before, "the CA was replaced without --force")
        let forced = try TestProcesses.run(tool, ["--parties", "2", "--out", certificates.directory.path, "--force"])
        #expect(forced.status == 0, "\(forced.combined)")
        #expect(try certificates.read("ca.pem") != before)

        // --out below a regular file: one line naming the path, no Foundation dump.
        let blocked = certificates.directory.appendingPathComponent("ca.pem/sub").path
        let cannot = try TestProcesses.run(tool, ["--parties", "1", "--out", blocked])
        #expect(cannot.status != 0)
        #expect(cannot.errorOutput.contains("cannot write \(blocked)"), "\(cannot.combined)")
        #expect(!cannot.errorOutput.contains("Error Domain") && cannot.errorOutput.split(separator: "\n").count == 1, "\(cannot.errorOutput)")
    }
}
