import ArgumentParser

/// `kms-core-client`: the operator's and tester's command line for a Threshold KMS cluster.
@main
struct CoreClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kms-core-client",
        abstract: "Talk to the cores of a Threshold KMS cluster over (mutual) TLS.",
        discussion: """
            Key generation: preproc, keygen (threshold cores consume a preprocessing), insecure-keygen (tests), \
            fetch-keys (accepts a key set only when t + 1 cores signed the same digests), encrypt.

            Decryption: decrypt (public; accepts plaintexts that t + 1 cores signed), user-decrypt (each core's \
            share encrypted to the user's X-Wing key, put together here from 2t + 1 answers).

            Operations: health, audit verify (checks a core's audit log file offline; needs no --config).
            """,
        version: "0.1.0",
        subcommands: [
            HealthCommand.self, PreprocCommand.self, KeyGenCommand.self, InsecureKeyGenCommand.self, FetchKeysCommand.self,
            EncryptCommand.self, DecryptCommand.self, UserDecryptCommand.self, AuditCommand.self,
        ]
    )

    /// Accepted before the subcommand (`kms-core-client --config PATH health`) as well as after it.
    @OptionGroup var options: ClientOptions

    /// Without a subcommand there is nothing to do: a usage error (exit 64), never a silent success.
    func run() async throws {
        let names = Self.configuration.subcommands.map { $0._commandName }
        throw ValidationError("missing subcommand: choose one of \(names.joined(separator: ", "))")
    }
}

/// Options every subcommand takes.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Client TOML configuration: [[cores]] (party_id, address) and [tls] (ca_cert, cert, key). Required by every command that talks to the cores.")
    var config: String?

    @Option(name: .long, help: "Per-call timeout in seconds.")
    var timeout: Int = 5
}
