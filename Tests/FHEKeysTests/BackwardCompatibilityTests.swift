import Foundation
import Testing
import Algebra
@testable import FHEKeys

/// Loads every FHE object committed under backward-compat/fhe/ (data written by earlier versions, DESIGN §6)
/// and checks that this version still parses it byte for byte and that the keys still work together.
///
/// A new format version adds a directory `backward-compat/fhe/v<N>/`; old directories are never rewritten.
/// `KMS_WRITE_BACKWARD_COMPAT=v<N> swift test --filter BackwardCompatibilityTests` writes a new one (and
/// refuses to overwrite an existing one). The keys use the INSECURE test parameters: they protect nothing.
@Suite struct BackwardCompatibilityTests {
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
    static let fheDirectory = repositoryRoot.appendingPathComponent("backward-compat/fhe")

    /// The plaintexts of the committed ciphertexts, in file order.
    static let messages: [UInt64] = [0, 5, 10, 15]

    static func versionDirectories() throws -> [URL] {
        let names = try FileManager.default.contentsOfDirectory(atPath: fheDirectory.path)
        return names.filter { $0.hasPrefix("v") }.sorted().map { fheDirectory.appendingPathComponent($0) }
    }

    static func read(_ directory: URL, _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    @Test func everyCommittedVersionStillLoadsAndWorks() throws {
        if let version = ProcessInfo.processInfo.environment["KMS_WRITE_BACKWARD_COMPAT"] {
            try Self.write(version: version)
        }
        let directories = try Self.versionDirectories()
        #expect(!directories.isEmpty, "backward-compat/fhe/ holds no version directory")
        for directory in directories {
            let keyBytes = try Self.read(directory, "client_key.bin")
            let clientKey = try ClientKey(serialized: keyBytes)
            #expect(clientKey.serialized() == keyBytes)

            let kskBytes = try Self.read(directory, "key_switching_key.bin")
            let keySwitchingKey = try KeySwitchingKey(serialized: kskBytes)
            #expect(keySwitchingKey.serialized() == kskBytes)

            let bskBytes = try Self.read(directory, "bootstrapping_key.bin")
            let bootstrappingKey = try BootstrappingKey(serialized: bskBytes)
            #expect(bootstrappingKey.serialized() == bskBytes)

            let publicKeyBytes = try Self.read(directory, "public_key.bin")
            let publicKey = try CompactPublicKey(serialized: publicKeyBytes)
            #expect(publicKey.serialized() == publicKeyBytes)

            for (index, message) in Self.messages.enumerated() {
                let bytes = try Self.read(directory, "lwe_ciphertext_\(index).bin")
                let ciphertext = try LWECiphertext(serialized: bytes, parameters: clientKey.parameters)
                #expect(ciphertext.serialized(parameters: clientKey.parameters) == bytes)
                #expect(clientKey.decrypt(ciphertext) == message, "\(directory.lastPathComponent) ciphertext \(index)")
            }

            // The old keys still work together: public-key encryption, then a bootstrap with the old server key.
            var generator = SecureRandom()
            let serverKey = ServerKey(bootstrappingKey: bootstrappingKey, keySwitchingKey: keySwitchingKey)
            let fresh = publicKey.encrypt(6, keySwitchingKey: keySwitchingKey, using: &generator)
            #expect(clientKey.decrypt(fresh) == 6)
            let tripled = serverKey.apply(fresh) { ($0 * 3) % clientKey.parameters.plaintextModulus }
            #expect(clientKey.decrypt(tripled) == 2)

            // From v2 on: whole server keys (format 2, with the modulus switch noise reduction key), classic and
            // multi-bit; each still parses byte for byte and bootstraps under the directory's client key.
            for name in ["server_key.bin", "multi_bit_server_key.bin"]
            where FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
                let bytes = try Self.read(directory, name)
                let key = try ServerKey(serialized: bytes)
                #expect(key.serialized() == bytes, "\(directory.lastPathComponent)/\(name)")
                #expect(key.modulusSwitchNoiseReduction != nil)
                #expect((key.multiBitBootstrappingKey != nil) == (name == "multi_bit_server_key.bin"))
                for message in Self.messages.map({ $0 % clientKey.parameters.plaintextModulus }) {
                    let input = clientKey.encrypt(message, using: &generator)
                    let output = key.apply(input) { ($0 + 1) % clientKey.parameters.plaintextModulus }
                    #expect(clientKey.decrypt(output) == (message + 1) % clientKey.parameters.plaintextModulus, "\(name)")
                }
            }
        }
    }

    /// Writes the objects of the current version into backward-compat/fhe/<version>/ (never over existing data).
    static func write(version: String) throws {
        let directory = fheDirectory.appendingPathComponent(version)
        guard !FileManager.default.fileExists(atPath: directory.path) else {
            Issue.record("backward-compat/fhe/\(version) exists already: committed data is never rewritten")
            return
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var generator = SecureRandom()
        let parameters = FHEParameters.insecureTest
        let clientKey = ClientKey.generate(parameters: parameters)
        let serverKey = clientKey.serverKey(seed: generator.bytes(count: 32), using: &generator)
        let publicKey = CompactPublicKey.generate(clientKey.big, parameters: parameters, seed: generator.bytes(count: 32),
                                                  using: &generator)
        func save(_ name: String, _ bytes: [UInt8]) throws {
            try Data(bytes).write(to: directory.appendingPathComponent(name))
        }
        try save("client_key.bin", clientKey.serialized())
        try save("key_switching_key.bin", serverKey.keySwitchingKey.serialized())
        try save("bootstrapping_key.bin", serverKey.bootstrappingKey!.serialized())
        try save("public_key.bin", publicKey.serialized())
        // v2: whole server keys with the noise reduction key (ServerKey format 2), classic and multi-bit.
        try save("server_key.bin", serverKey.serialized())
        try save("multi_bit_server_key.bin", clientKey.multiBitServerKey(seed: generator.bytes(count: 32), using: &generator).serialized())
        for (index, message) in messages.enumerated() {
            try save("lwe_ciphertext_\(index).bin", clientKey.encrypt(message, using: &generator).serialized(parameters: parameters))
        }
    }
}
