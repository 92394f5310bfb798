import ArgumentParser
import Foundation
import Signatures

/// `kms-core-client audit verify --file PATH [--address 0x…]`: checks a core's audit log (its `<data_dir>/audit.log`)
/// offline: entries numbered 1, 2, 3, … each chained to the one before and signed by one core (`--address`, when
/// given, must be that core's signing address, as GetOperatorPublicKey or `health` shows it). A removed, altered or
/// reordered entry is named; entries cut off the end are not detectable from the file alone (compare the count).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Work with a core's audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a core's audit log file: chain, order and signatures (exit 1 naming the first bad entry).")

        @Option(help: "The audit log file (a core's <data_dir>/audit.log).")
        var file: String

        @Option(help: "The core's signing address (0x and 40 hex digits) every entry must be signed by.")
        var address: String?

        @Flag(help: "Print the result as JSON on stdout.")
        var json = false

        func run() async throws {
            try await reportingFailure {
                let expected: EthereumAddress?
                do { expected = try address.map { try EthereumAddress(hex: $0) } } catch {
                    throw ClientError.usage("--address: '\(address ?? "")' is not an Ethereum address")
                }
                guard let data = FileManager.default.contents(atPath: file) else { throw ClientError.file("--file: cannot read '\(file)'") }
                let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let result: (signer: EthereumAddress?, count: Int)
                do { result = try AuditEntry.verify(lines: lines, expected: expected) } catch {
                    throw ClientError.usage("audit log '\(file)' does not verify: \(error)")
                }
                let signer = result.signer?.checksummed ?? "-"
                if json {
                    printJSON(["file": file, "entries": result.count, "signer": signer, "verified": true])
                } else {
                    print("audit log verified: \(result.count) entries, chained and signed by \(signer)")
                }
            }
        }
    }
}
