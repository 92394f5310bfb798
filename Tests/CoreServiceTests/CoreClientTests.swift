import Foundation
import Testing

/// `kms-core-client health` against real kms-server processes.
@Suite struct CoreClientTests {
    func writeClientConfig(_ workspace: TestWorkspace, cores: [(Int, String)]) throws -> String {
        let certificates = workspace.certificates
        var text = """
            [tls]
            ca_cert = "\(certificates.caPath)"
            cert = "\(certificates.clientCertificatePath)"
            key = "\(certificates.clientKeyPath)"

            """
        for (party, address) in cores {
            text += "\n[[cores]]\nparty_id = \(party)\naddress = \"\(address)\"\n"
        }
        let url = workspace.root.appendingPathComponent("client.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func healthPrintsEachCoreAndFailsWhenOneIsDown() async throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let server = try await TestServer.start(try workspace.centralized())
        defer { server.stop() }
        let client = try TestProcesses.binary("kms-core-client")

        let upConfig = try writeClientConfig(workspace, cores: [(1, server.serviceTarget)])
        let up = try TestProcesses.run(client, ["--config", upConfig, "health"])
        #expect(up.status == 0, "\(up.combined)")
        #expect(up.output.contains("core 1 (\(server.serviceTarget)): SERVING version 0.1.0 centralized"), "\(up.combined)")

        let downPort = try TestProcesses.freePort()
        let mixedConfig = try writeClientConfig(workspace, cores: [(1, server.serviceTarget), (2, "localhost:\(downPort)")])
        let mixed = try TestProcesses.run(client, ["--config", mixedConfig, "health", "--timeout", "3"])
        #expect(mixed.status == 1, "\(mixed.combined)")
        #expect(mixed.output.contains("core 1 (\(server.serviceTarget)): SERVING"))
        #expect(mixed.output.contains("core 2 (localhost:\(downPort)): DOWN"), "\(mixed.combined)")
    }

    @Test func fourPartyClusterIsHealthyWithAllPeersReachable() async throws {
        let workspace = try TestWorkspace(parties: 4)
        defer { workspace.remove() }
        var servers: [TestServer] = []
        defer { for server in servers { server.stop() } }
        for configuration in try workspace.thresholdCluster() {
            servers.append(try await TestServer.start(configuration))
        }
        let config = try writeClientConfig(workspace, cores: servers.enumerated().map { ($0.offset + 1, $0.element.serviceTarget) })
        let result = try TestProcesses.run(try TestProcesses.binary("kms-core-client"), ["--config", config, "health"])
        #expect(result.status == 0, "\(result.combined)")
        for (index, server) in servers.enumerated() {
            #expect(
                result.output.contains(
                    "core \(index + 1) (\(server.serviceTarget)): SERVING version 0.1.0 threshold party \(index + 1) t=1 n=4 peers 3/3 reachable"),
                "\(result.combined)")
        }
        #expect(result.output.contains("mpc-sent") && result.output.contains(" keys 0"), "\(result.combined)")
        // Each core's peers, as that core sees them, and its epochs (the default one once the cluster made it).
        for party in 1...4 {
            #expect(result.output.components(separatedBy: "  peer \(party) (localhost:").count == 4, "3 cores list peer \(party): \(result.combined)")
        }
        #expect(result.output.contains(": reachable, round trip "), "\(result.combined)")
        #expect(result.output.contains("  epochs "), "\(result.combined)")
        var withEpochs = result
        for _ in 0..<100 where withEpochs.output.components(separatedBy: " (default)").count < 5 {
            try await Task.sleep(for: .milliseconds(300))
            withEpochs = try TestProcesses.run(try TestProcesses.binary("kms-core-client"), ["--config", config, "health"])
        }
        #expect(withEpochs.output.components(separatedBy: "  epochs 1: ").count == 5, "every core lists its default epoch: \(withEpochs.combined)")
        #expect(!withEpochs.output.contains("delivered 0 B"), "every core delivered MPC bytes to every peer: \(withEpochs.combined)")
        // Issue 14: a client config whose core 1 points at core 2's port is not healthy.
        let swapped = try writeClientConfig(workspace, cores: [(1, servers[1].serviceTarget), (2, servers[1].serviceTarget)])
        let wrong = try TestProcesses.run(try TestProcesses.binary("kms-core-client"), ["--config", swapped, "health"])
        #expect(wrong.status == 1, "\(wrong.combined)")
        #expect(wrong.output.contains("core 1 (\(servers[1].serviceTarget)): WRONG PARTY (the core at \(servers[1].serviceTarget) is party 2, not party 1)"),
                "\(wrong.combined)")
        #expect(wrong.output.contains("core 2 (\(servers[1].serviceTarget)): SERVING"))
    }

    @Test func helpListsTheCommandsThatExist() throws {
        let client = try TestProcesses.binary("kms-core-client")
        let help = try TestProcesses.run(client, ["--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("health"))
        #expect(help.output.contains("--config") || help.output.contains("SUBCOMMANDS"))
        let healthHelp = try TestProcesses.run(client, ["health", "--help"])
        #expect(healthHelp.output.contains("--config"))
    }

    /// Issue 14: no subcommand is a usage error naming the subcommands; `--timeout 0` is refused with one line.
    @Test func missingSubcommandAndZeroTimeoutAreRefused() throws {
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let config = try writeClientConfig(workspace, cores: [(1, "127.0.0.1:1")])
        let client = try TestProcesses.binary("kms-core-client")
        let bare = try TestProcesses.run(client, ["--config", config])
        #expect(bare.status != 0, "\(bare.combined)")
        #expect(bare.errorOutput.contains("missing subcommand") && bare.errorOutput.contains("decrypt"), "\(bare.errorOutput)")
        let zero = try TestProcesses.run(client, ["--config", config, "health", "--timeout", "0"])
        #expect(zero.status == 2, "\(zero.combined)")
        #expect(zero.errorOutput.contains("--timeout"), "\(zero.errorOutput)")
    }

    /// Issue 14: a client key that is not its certificate's is one line naming tls.key, before any call.
    @Test func aMismatchedClientKeyIsNamedInOneLine() throws {
        let workspace = try TestWorkspace(parties: 2)
        defer { workspace.remove() }
        let certificates = workspace.certificates
        let text = """
            [tls]
            ca_cert = "\(certificates.caPath)"
            cert = "\(certificates.clientCertificatePath)"
            key = "\(certificates.keyPath(party: 1))"

            [[cores]]
            party_id = 1
            address = "127.0.0.1:1"
            """
        let url = workspace.root.appendingPathComponent("mismatched.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let result = try TestProcesses.run(try TestProcesses.binary("kms-core-client"), ["--config", url.path, "health"])
        #expect(result.status == 2, "\(result.combined)")
        #expect(result.errorOutput.split(separator: "\n").count == 1, "\(result.errorOutput)")
        #expect(result.errorOutput.contains("tls.key") && result.errorOutput.contains("is not the private key of tls.cert"), "\(result.errorOutput)")
        #expect(!result.combined.contains("empty address list"))
    }
}
