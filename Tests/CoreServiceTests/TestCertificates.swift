import Foundation
import GRPCCore

/// A directory of certificates made by the real `kms-gen-tls-certs`.
struct TestCertificates: Sendable {
    let directory: URL

    /// Runs kms-gen-tls-certs for `parties` parties into a fresh temporary directory: `hosts` go to every party
    /// (`--hosts`), `hostsFor[i]` to party i only (`--host-for i=…`); neither = the local testnet's names.
    static func generate(parties: Int, hosts: [String] = [], hostsFor: [Int: [String]] = [:]) throws -> TestCertificates {
        let directory = try TestProcesses.temporaryDirectory(prefix: "certs")
        var arguments = ["--parties", "\(parties)", "--out", directory.path]
        if !hosts.isEmpty { arguments += ["--hosts", hosts.joined(separator: ",")] }
        for (party, names) in hostsFor.sorted(by: { $0.key < $1.key }) {
            arguments += ["--host-for", "\(party)=\(names.joined(separator: ","))"]
        }
        let result = try TestProcesses.run(try TestProcesses.binary("kms-gen-tls-certs"), arguments)
        guard result.status == 0 else {
            throw TestProcesses.Failure(description: "kms-gen-tls-certs failed: \(result.combined)")
        }
        return TestCertificates(directory: directory)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var caPath: String { path("ca.pem") }
    func certificatePath(party: Int) -> String { path("core-\(party).pem") }
    func keyPath(party: Int) -> String { path("core-\(party).key") }
    var clientCertificatePath: String { path("client.pem") }
    var clientKeyPath: String { path("client.key") }

    func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    /// The subject alternative names of `name` as openssl prints them ("DNS:kms-core-1", "IP Address:127.0.0.1").
    func alternativeNames(_ name: String) throws -> Set<String> {
        let result = try TestProcesses.run(
            try TestProcesses.tool("openssl"), ["x509", "-in", path(name), "-noout", "-ext", "subjectAltName"])
        guard result.status == 0 else {
            throw TestProcesses.Failure(description: "openssl x509 \(name): \(result.combined)")
        }
        // "X509v3 Subject Alternative Name: \n    DNS:kms-core-1, DNS:localhost, IP Address:127.0.0.1"
        let lines = result.output.split(separator: "\n").dropFirst()
        return Set(lines.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// Client TLS trusting this CA, presenting `certificate`/`key` (file names in this directory), or none.
    func clientTLS(certificate: String? = "client.pem", key: String? = "client.key") throws -> ClientTLSConfiguration {
        var identity: TLSIdentity?
        if let certificate, let key {
            identity = TLSIdentity(certificateChainPEM: try read(certificate), privateKeyPEM: try read(key))
        }
        return ClientTLSConfiguration(trustedRootsPEM: try read("ca.pem"), identity: identity)
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}
