import Engine
import Foundation
import Testing

@Suite struct ConfigurationLoaderTests {
    /// The repository's config/ directory (found from this source file).
    static let configDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config")

    static let minimal = """
        [service]
        listen_address = "127.0.0.1"
        listen_port = 50100

        [storage]
        data_dir = "/tmp/kms-test-data"
        """

    /// Environment that points [tls] of a shipped config at freshly generated certificates.
    static func tlsEnvironment(_ certificates: TestCertificates, party: Int) -> [String: String] {
        [
            "KMS_CORE__TLS__CA_CERT": certificates.caPath,
            "KMS_CORE__TLS__CERT": certificates.certificatePath(party: party),
            "KMS_CORE__TLS__KEY": certificates.keyPath(party: party),
        ]
    }

    @Test func shippedClusterConfigsDescribeAFourPartyCluster() throws {
        let certificates = try TestCertificates.generate(parties: 4)
        defer { certificates.remove() }
        for party in 1...4 {
            let path = Self.configDirectory.appendingPathComponent("default_\(party).toml").path
            let configuration = try ConfigurationLoader.load(path: path, environment: Self.tlsEnvironment(certificates, party: party))
            let threshold = try #require(configuration.threshold)
            #expect(threshold.partyId == party)
            #expect(threshold.threshold == 1)
            #expect(threshold.peers.map(\.partyId) == [1, 2, 3, 4])
            #expect(threshold.peers.map(\.identity) == (1...4).map { "kms-core-\($0)" })
            #expect(configuration.tls?.requireClientCertificate == true)
            #expect(configuration.service.enableInsecureService == false)
            #expect(configuration.deploymentType == "threshold")
        }
        let central = try ConfigurationLoader.load(
            path: Self.configDirectory.appendingPathComponent("default_centralized.toml").path,
            environment: Self.tlsEnvironment(certificates, party: 1))
        #expect(central.threshold == nil)
        #expect(central.deploymentType == "centralized")
    }

    @Test func environmentOverridesFieldsAndArrayEntries() throws {
        let certificates = try TestCertificates.generate(parties: 4)
        defer { certificates.remove() }
        var environment = Self.tlsEnvironment(certificates, party: 2)
        environment["KMS_CORE__SERVICE__LISTEN_PORT"] = "50999"
        environment["KMS_CORE__SERVICE__ENABLE_INSECURE_SERVICE"] = "true"
        environment["KMS_CORE__THRESHOLD__PARTY_ID"] = "2"
        environment["KMS_CORE__THRESHOLD__PEERS__3__ADDRESS"] = "core4.example.test:6000"
        environment["UNRELATED__SERVICE__LISTEN_PORT"] = "1"
        let configuration = try ConfigurationLoader.load(
            path: Self.configDirectory.appendingPathComponent("default_1.toml").path, environment: environment)
        #expect(configuration.service.listenPort == 50999)
        #expect(configuration.service.enableInsecureService)
        #expect(configuration.threshold?.partyId == 2)
        #expect(configuration.threshold?.peers[3].address == "core4.example.test:6000")
        #expect(configuration.tls?.certificatePath == certificates.certificatePath(party: 2))
    }

    /// (TOML, environment, expected field, expected words of the problem)
    static let badConfigurations: [(String, [String: String], String, String)] = [
        (minimal.replacingOccurrences(of: "50100", with: "70000"), [:], "service.listen_port", "out of range"),
        (minimal.replacingOccurrences(of: "50100", with: "\"http\""), [:], "service.listen_port", "expected an integer"),
        (minimal, ["KMS_CORE__SERVICE__LISTEN_PORT": "abc"], "service.listen_port (from KMS_CORE__SERVICE__LISTEN_PORT)", "expected an integer, got 'abc'"),
        (minimal.replacingOccurrences(of: "listen_port", with: "listn_port"), [:], "service.listen_port", "missing"),
        (minimal + "\nlisten_portt = 1\n", [:], "storage.listen_portt", "unknown field"),
        (minimal.replacingOccurrences(of: "[storage]\ndata_dir = \"/tmp/kms-test-data\"", with: ""), [:], "storage", "missing"),
        (minimal, ["KMS_CORE__SERVICE__LOG_LEVEL": "loud"], "service.log_level (from KMS_CORE__SERVICE__LOG_LEVEL)", "not one of"),
        (minimal, ["KMS_CORE__SERVICE__ENABLE_INSECURE_SERVICE": "maybe"], "service.enable_insecure_service (from KMS_CORE__SERVICE__ENABLE_INSECURE_SERVICE)", "expected true or false"),
        (minimal + "\n[tls]\nca_cert = \"/nonexistent/ca.pem\"\ncert = \"/x\"\nkey = \"/y\"\n", [:], "tls.ca_cert", "does not exist"),
        ("[service\nlisten_port = 1", [:], "(file)", "TOML syntax error at line 1"),
        (minimal + "\n[threshold]\nparty_id = 1\nthreshold = 1\nlisten_address = \"127.0.0.1\"\nlisten_port = 50001\n", [:], "threshold.peers", "missing"),
        // Issue 14: the README's old override example put the port into the address.
        (minimal, ["KMS_CORE__SERVICE__LISTEN_ADDRESS": "0.0.0.0:50100"], "service.listen_address (from KMS_CORE__SERVICE__LISTEN_ADDRESS)", "includes a port"),
        (minimal.replacingOccurrences(of: "\"127.0.0.1\"", with: "\"not an address!\""), [:], "service.listen_address", "not an IP address or a host name"),
        (minimal.replacingOccurrences(of: "\"127.0.0.1\"", with: "\"-bad.example\""), [:], "service.listen_address", "not an IP address or a host name"),
    ]

    /// Issue 14: addresses that are valid hosts pass, including the README's override (address and port apart).
    @Test func listenAddressesThatAreHostsAreAccepted() throws {
        let certificates = try TestCertificates.generate(parties: 1)
        defer { certificates.remove() }
        let toml = Self.minimal + """

            [tls]
            ca_cert = "\(certificates.caPath)"
            cert = "\(certificates.certificatePath(party: 1))"
            key = "\(certificates.keyPath(party: 1))"
            """
        for address in ["0.0.0.0", "::", "::1", "localhost", "core-1.example.test", "10.0.0.7"] {
            let configuration = try ConfigurationLoader.parse(
                toml: toml, environment: ["KMS_CORE__SERVICE__LISTEN_ADDRESS": address, "KMS_CORE__SERVICE__LISTEN_PORT": "21300"])
            #expect(configuration.service.listenAddress == address)
            #expect(configuration.service.listenPort == 21300)
        }
    }

    @Test(arguments: badConfigurations)
    func badConfigurationNamesTheFieldAndTheProblem(toml: String, environment: [String: String], field: String, problem: String) {
        #expect {
            _ = try ConfigurationLoader.parse(toml: toml, environment: environment)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.field == field && error.problem.contains(problem) && !error.description.contains("\n")
        }
    }

    /// Issue 15 item 7: limits the MPC layer needs (n ≤ 64, C(n, t) PRSS subsets ≤ 10,000), distinct peer
    /// identities, and no plaintext gRPC off loopback for a centralized core. One line naming the field each.
    @Test func clusterLimitsDuplicatePeersAndPlaintextServiceAreRefused() throws {
        let certificates = try TestCertificates.generate(parties: 1)
        defer { certificates.remove() }
        let tls = """

            [tls]
            ca_cert = "\(certificates.caPath)"
            cert = "\(certificates.certificatePath(party: 1))"
            key = "\(certificates.keyPath(party: 1))"

            """
        func cluster(t: Int, peers: [(Int, String, String?)]) -> String {
            var text = Self.minimal + tls + """

                [threshold]
                party_id = 1
                threshold = \(t)
                listen_address = "127.0.0.1"
                listen_port = 50001

                """
            for (id, address, identity) in peers {
                text += "\n[[threshold.peers]]\nparty_id = \(id)\naddress = \"\(address)\"\n"
                if let identity { text += "identity = \"\(identity)\"\n" }
            }
            return text
        }
        func distinct(_ n: Int) -> [(Int, String, String?)] { (1...n).map { ($0, "core\($0).test:50001", nil) } }
        // Accepted at the limits: n = 64 with t = 1 (64 subsets), n = 16 with t = 5 (4,368 subsets).
        #expect(try ConfigurationLoader.parse(toml: cluster(t: 1, peers: distinct(64))).threshold?.partyCount == 64)
        #expect(try ConfigurationLoader.parse(toml: cluster(t: 5, peers: distinct(16))).threshold?.partyCount == 16)
        var sameAddress = distinct(4)
        sameAddress[2].1 = sameAddress[1].1
        var sameIdentity = distinct(4)
        sameIdentity[3].2 = "kms-core-1"
        let cases: [(String, String, String)] = [
            (cluster(t: 1, peers: distinct(65)), "threshold.peers", "at most 64"),
            (cluster(t: 6, peers: distinct(19)), "threshold.threshold", "10000"),
            (cluster(t: 1, peers: sameAddress), "threshold.peers.2.address", "core2.test:50001"),
            (cluster(t: 1, peers: sameIdentity), "threshold.peers.3.identity", "kms-core-1"),
            (Self.minimal.replacingOccurrences(of: "127.0.0.1", with: "0.0.0.0"), "service.listen_address", "plaintext"),
            (Self.minimal.replacingOccurrences(of: "127.0.0.1", with: "10.1.2.3"), "service.listen_address", "plaintext"),
        ]
        for (toml, field, problem) in cases {
            #expect {
                _ = try ConfigurationLoader.parse(toml: toml)
            } throws: { error in
                guard let error = error as? ConfigurationError else { return false }
                return error.field == field && error.problem.contains(problem) && !error.description.contains("\n")
            }
        }
        // Loopback plaintext stays allowed (tests, local development); a non-loopback address with TLS is fine.
        #expect(try ConfigurationLoader.parse(toml: Self.minimal.replacingOccurrences(of: "127.0.0.1", with: "::1")).threshold == nil)
        #expect(try ConfigurationLoader.parse(toml: Self.minimal.replacingOccurrences(of: "127.0.0.1", with: "localhost")).threshold == nil)
        #expect(try ConfigurationLoader.parse(toml: Self.minimal.replacingOccurrences(of: "127.0.0.1", with: "0.0.0.0") + tls).tls != nil)
    }

    @Test func thresholdRulesAreChecked() throws {
        let certificates = try TestCertificates.generate(parties: 1)
        defer { certificates.remove() }
        func threshold(partyId: Int, t: Int, parties: [Int]) -> String {
            var text = Self.minimal + """

                [tls]
                ca_cert = "\(certificates.caPath)"
                cert = "\(certificates.certificatePath(party: 1))"
                key = "\(certificates.keyPath(party: 1))"

                [threshold]
                party_id = \(partyId)
                threshold = \(t)
                listen_address = "127.0.0.1"
                listen_port = 50001

                """
            for id in parties { text += "\n[[threshold.peers]]\nparty_id = \(id)\naddress = \"localhost:\(50000 + id)\"\n" }
            return text
        }
        #expect(try ConfigurationLoader.parse(toml: threshold(partyId: 3, t: 1, parties: [1, 2, 3, 4])).threshold?.partyCount == 4)
        let cases: [(String, String, String)] = [
            (threshold(partyId: 1, t: 1, parties: [1, 2, 3]), "threshold.threshold", "n ≥ 3t + 1"),
            (threshold(partyId: 1, t: 2, parties: [1, 2, 3, 4]), "threshold.threshold", "at least 7"),
            (threshold(partyId: 5, t: 1, parties: [1, 2, 3, 4]), "threshold.party_id", "not among"),
            (threshold(partyId: 1, t: 1, parties: [1, 2, 3, 5]), "threshold.peers", "exactly 1…4"),
            (threshold(partyId: 1, t: 1, parties: [1, 2, 2, 3]), "threshold.peers.2.party_id", "listed twice"),
            (threshold(partyId: 1, t: 1, parties: [1, 2, 3, 4]).replacingOccurrences(of: "[tls]", with: "[tlsx]"), "tls", "missing"),
        ]
        for (toml, field, problem) in cases {
            #expect {
                _ = try ConfigurationLoader.parse(toml: toml)
            } throws: { error in
                guard let error = error as? ConfigurationError else { return false }
                return error.field == field && error.problem.contains(problem)
            }
        }
    }
}
