import Foundation
@testable import Vault

/// Runs tests/python/kms_recipient.py: CMS envelopes made by `openssl cms`, and a proxy in front of moto that
/// answers attested Decrypts the way real AWS KMS does (CiphertextForRecipient), which moto alone does not.
enum KMSRecipientSupport {
    static let script = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tests/python/kms_recipient.py").path

    /// `openssl cms -encrypt` of `plaintext` to `publicKeyDER`, via the script's `envelope` command.
    static func envelope(_ plaintext: [UInt8], to publicKeyDER: [UInt8], extraArguments: [String] = []) throws -> [UInt8] {
        let directory = TestSupport.temporaryDirectory("cms")
        defer { TestSupport.removeDirectory(directory) }
        try Data(publicKeyDER).write(to: URL(fileURLWithPath: directory + "/pub.der"))
        try Data(plaintext).write(to: URL(fileURLWithPath: directory + "/plain.bin"))
        let result = try TestSupport.run(try TestSupport.python3(), [script, "envelope", "--public-key-der", directory + "/pub.der",
                                                                     "--in", directory + "/plain.bin", "--out", directory + "/env.der"]
                                         + extraArguments)
        guard result.status == 0 else {
            throw VaultError.invalidConfiguration("kms_recipient.py envelope failed: \(result.standardError)")
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/env.der")))
    }

    /// The recipient-aware KMS proxy in front of moto; `stop()` ends it.
    final class Proxy {
        let process: Process
        let endpoint: String

        init(requirePCR0: [UInt8]? = nil) throws {
            let upstream = try TestSupport.motoEndpoint()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try TestSupport.python3())
            process.arguments = [KMSRecipientSupport.script, "proxy", "--upstream", upstream]
                + (requirePCR0.map { ["--require-pcr0", $0.map { String(format: "%02x", $0) }.joined()] } ?? [])
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { throw VaultError.invalidConfiguration("kms_recipient.py proxy exited before listening") }
                line += chunk
            }
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.hasPrefix("LISTENING "), let port = Int(text.dropFirst("LISTENING ".count)) else {
                kill(process.processIdentifier, SIGKILL)
                throw VaultError.invalidConfiguration("kms_recipient.py proxy printed '\(text)'")
            }
            self.process = process
            endpoint = "http://127.0.0.1:\(port)"
        }

        /// SIGKILL: children that Foundation spawns from a pool thread inherit its blocked SIGTERM.
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
