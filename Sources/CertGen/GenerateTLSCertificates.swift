import ArgumentParser
import Foundation
import X509

/// `kms-gen-tls-certs`: makes the TLS material of an n-party cluster (DESIGN §1, §6).
@main
struct GenerateTLSCertificates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kms-gen-tls-certs",
        abstract: "Make a CA and the mutual-TLS certificates of an n-party Threshold KMS cluster.",
        discussion: """
            Writes into --out (created if missing); all PEM, ECDSA P-256, ECDSA-SHA256:
              ca.pem          the CA certificate that cores and clients trust
              core-<i>.pem    party i's certificate, subject CN=kms-core-<i>,
              core-<i>.key    O=Threshold KMS; TLS server and client identity
              client.pem      a client certificate (CN=kms-client) for
              client.key      kms-core-client and tests
            Party i's certificate names party i only. Its SANs are its identity
            kms-core-<i> (the name the other cores pin when they call it), the
            hosts given for it with --host-for i=HOST[,HOST], and the hosts
            shared by every party with --hosts. Without --hosts and --host-for
            (the local testnet) every party also gets localhost and 127.0.0.1.
            kms-core-<j> is never put into another party's certificate.
            Private keys get mode 0600. The CA private key is never written:
            re-run the tool (a new CA) to add a party. Files already in --out
            are never replaced unless --force is given.
            """
    )

    @Option(name: .long, help: "Number of parties (cores), ids 1…N.")
    var parties: Int

    @Option(name: .long, help: "Directory to write the PEM files into.")
    var out: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Comma-separated host names or IP addresses added as SANs to every party certificate.",
            valueName: "HOST[,HOST]"))
    var hosts: String?

    @Option(
        name: .customLong("host-for"),
        help: ArgumentHelp(
            "Host names or IP addresses for one party's certificate only (repeat per party).",
            valueName: "PARTY=HOST[,HOST]"))
    var hostFor: [String] = []

    @Option(name: .long, help: "Validity in days, starting one hour before now.")
    var days: Int = 3650

    @Flag(name: .long, help: "Replace a CA and certificates already in --out (every core and client then needs the new files).")
    var force = false

    func validate() throws {
        guard (1...1000).contains(parties) else {
            throw ValidationError(CertGenError.invalidPartyCount(parties).description)
        }
        guard days > 0 else { throw ValidationError("invalid --days \(days): expected a positive number") }
    }

    func run() throws {
        // Every name is checked before anything is written.
        let subjectAlternativeNames: [[GeneralName]]
        do {
            let assignment = try HostAssignment(parties: parties, hosts: hosts, hostFor: hostFor)
            subjectAlternativeNames = try (1...parties).map { party in
                try CertificateIssuer.subjectAlternativeNames(for: assignment.hosts(forParty: party))
            }
        } catch {
            throw ValidationError("\(error)")
        }
        let directory = URL(fileURLWithPath: out)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let names = ["ca.pem"] + (1...parties).flatMap { ["core-\($0).pem", "core-\($0).key"] } + ["client.pem", "client.key"]
        let existing = names.filter { FileManager.default.fileExists(atPath: path($0)) }
        if !existing.isEmpty, !force {
            let shown = existing.prefix(4).joined(separator: ", ") + (existing.count > 4 ? ", …" : "")
            throw ValidationError("\(directory.path) already holds \(shown); pass --force to replace them with a new CA")
        }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw CertGenError.cannotWrite(path: directory.path, reason: (error as NSError).localizedFailureReason ?? "cannot create the directory")
        }

        let issuer = try CertificateIssuer(validityDays: days)
        try PEMFileWriter.write(try issuer.caPEM, to: path("ca.pem"), mode: 0o644)

        for party in 1...parties {
            let issued = try issuer.issue(
                commonName: HostAssignment.identity(party: party),
                subjectAlternativeNames: subjectAlternativeNames[party - 1],
                usages: [.serverAuth, .clientAuth])
            try PEMFileWriter.write(issued.certificatePEM, to: path("core-\(party).pem"), mode: 0o644)
            try PEMFileWriter.write(issued.privateKeyPEM, to: path("core-\(party).key"), mode: 0o600)
        }
        let client = try issuer.issue(commonName: "kms-client", subjectAlternativeNames: [], usages: [.clientAuth])
        try PEMFileWriter.write(client.certificatePEM, to: path("client.pem"), mode: 0o644)
        try PEMFileWriter.write(client.privateKeyPEM, to: path("client.key"), mode: 0o600)

        print("kms-gen-tls-certs: wrote ca.pem, core-1…\(parties).pem/.key, client.pem/.key to \(directory.path)")
    }
}
