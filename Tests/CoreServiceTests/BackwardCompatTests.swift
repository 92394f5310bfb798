import Algebra
import Crypto
import FHEKeys
import Foundation
import MPCProtocols
import SecureMemory
import Signatures
import Testing
import Vault
@testable import Engine

/// Issue 14 item 6: data written by every committed version (backward-compat/data/<version>/) still loads —
/// FHE keys and ciphertexts, vault objects, a PRSS epoch record, signed results, a user-decryption share, an audit
/// log and the configs. `scripts/backward-compat-generate.sh` runs `writeThisVersionsData` to add the current
/// version's directory; the test keys in there are made for this purpose and protect nothing.
@Suite struct BackwardCompatTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("backward-compat/data")
    static var versions: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }
    static let domain = try! EIP712Domain(
        name: "ThresholdKMS-backward-compat", version: "1", chainId: [UInt8](repeating: 0, count: 31) + [1],
        verifyingContract: try EthereumAddress(hex: "0x00000000000000000000000000000000000000aa"), salt: nil)
    static let session = SessionID.root(requestID: [7, 7, 7], label: "backward-compat")
    static let parties = (n: 4, t: 1, party: 2)

    @Test func atLeastOneVersionIsCommitted() {
        #expect(Self.versions.contains(KMSVersion.current), "backward-compat/data/\(KMSVersion.current) is missing: run scripts/backward-compat-generate.sh")
    }

    @Test(arguments: versions) func everyVersionsDataStillLoads(_ version: String) async throws {
        let directory = Self.root.appendingPathComponent(version)
        func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(bytes("manifest.json"))) as? [String: Any])
        let parameters = try FHEParameters.withID(UInt8(try #require((manifest["parameters"] as? NSNumber)?.intValue)))

        // FHE: the client key decrypts the stored ciphertexts; the compact public key still encrypts for it.
        let clientKey = try ClientKey(serialized: try bytes("client_key.bin"))
        let uint8 = try RadixCiphertext(serialized: try bytes("ciphertext_uint8.bin"), parameters: parameters)
        #expect(clientKey.decrypt(uint8) == (manifest["uint8_value"] as? NSNumber)?.uint64Value)
        let uint64 = try RadixCiphertext(serialized: try bytes("ciphertext_uint64.bin"), parameters: parameters)
        #expect(clientKey.decrypt(uint64) == (manifest["uint64_value"] as? NSNumber)?.uint64Value)
        let publicKey = try CompactPublicKey(serialized: try bytes("public_key.bin"))
        var random = SystemRandomNumberGenerator()
        let bigCiphertext = publicKey.encryptBig(2, using: &random)
        #expect(clientKey.big.extractedLWEKey.decrypt(bigCiphertext, parameters: parameters) == 2)

        // Vault: the stored private object opens with the stored root key; the public object reads back.
        // A git checkout keeps neither the key file's mode 0600 nor the directory's: open copies.
        let scratch = try TestProcesses.temporaryDirectory(prefix: "compat")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(at: directory.appendingPathComponent("vault"), to: scratch.appendingPathComponent("vault"))
        try FileManager.default.copyItem(at: directory.appendingPathComponent("vault.key"), to: scratch.appendingPathComponent("vault.key"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: scratch.appendingPathComponent("vault.key").path)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: scratch.appendingPathComponent("vault").path)
        let store = VaultStore(
            backend: try FileStorage(root: scratch.appendingPathComponent("vault").path),
            rootKey: try FileRootKey(path: scratch.appendingPathComponent("vault.key").path))
        let secret = try await store.getPrivate(try ObjectID(kind: "BackwardCompat", name: "secret"))
        #expect(secret.withUnsafeBytes { Array($0) } == Array("the vault's secret of \(version)".utf8))
        #expect(try await store.getPublic(try ObjectID(kind: "BackwardCompat", name: "public")) == Array("public \(version)".utf8))

        // PRSS epoch record: the same random shares as when it was written.
        let record = try EpochRecord(parsing: SecretBytes(try bytes("epoch.bin")))
        #expect(record.prss.partyID == Self.parties.party && record.prss.partyCount == Self.parties.n && record.prss.threshold == Self.parties.t)
        let shares = record.prss.randomShares(count: 4, session: Self.session).map { String($0.value) }
        #expect(shares == manifest["epoch_shares"] as? [String])

        // Signed results: EIP-712 PublicDecryptVerification and the audit log verify for the stored address.
        let address = try EthereumAddress(hex: try #require(manifest["signer_address"] as? String))
        let message = try PublicDecryptVerification(
            ctHandles: [try bytes("ciphertext_uint8.handle")], decryptedResult: try abiEncodeUInt256s([[UInt8(truncatingIfNeeded: (manifest["uint8_value"] as? NSNumber)?.intValue ?? 0)]]))
        let signature = try RecoverableSignature(bytes: try bytes("public_decryption.sig"))
        #expect(signature.verify(digest: message.digest(domain: Self.domain), address: address))
        let auditLines = String(decoding: try bytes("audit.log"), as: UTF8.self).split(separator: "\n").map(String.init)
        let audit = try AuditEntry.verify(lines: auditLines, expected: address)
        #expect(audit.count == (manifest["audit_entries"] as? Int))

        // A user-decryption share opens with the stored user key and carries the stored shares.
        let userKey = try UserShareSigncryption.privateKey(seed: try bytes("user_key.seed"))
        let binding = UserDecryptionShare.Binding(
            requestID: [UInt8](repeating: 0x42, count: 32), userAddress: address, handle: try bytes("ciphertext_uint8.handle"),
            encryptionKey: Array(userKey.publicKey.rawRepresentation))
        let share = try UserShareSigncryption.open(try bytes("user_share.bin"), partyID: 3, binding: binding, privateKey: userKey, signer: address)
        #expect(share.shares.map(String.init) == manifest["user_shares"] as? [String])

        // Configs: every file the version shipped still parses, with its certificate paths pointed at real files
        // through the environment, as scripts/start-cluster.sh does (the loader checks that they can be read).
        let workspace = try TestWorkspace(parties: 1)
        defer { workspace.remove() }
        let certificates = workspace.certificates
        let environment = [
            "KMS_CORE__TLS__CA_CERT": certificates.caPath, "KMS_CORE__TLS__CERT": certificates.certificatePath(party: 1),
            "KMS_CORE__TLS__KEY": certificates.keyPath(party: 1),
        ]
        let configs = directory.appendingPathComponent("config")
        for name in try FileManager.default.contentsOfDirectory(atPath: configs.path) where name.hasPrefix("default_") {
            let text = try String(contentsOf: configs.appendingPathComponent(name), encoding: .utf8)
            #expect(throws: Never.self, "\(version)/config/\(name)") { _ = try ConfigurationLoader.parse(toml: text, environment: environment) }
        }
    }

    /// Writes backward-compat/data/<current version>/ (run by scripts/backward-compat-generate.sh only).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KMS_WRITE_BACKWARD_COMPAT"] == "1"))
    func writeThisVersionsData() async throws {
        let version = KMSVersion.current
        let directory = Self.root.appendingPathComponent(version)
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ bytes: [UInt8], _ name: String) throws { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
        var random = SystemRandomNumberGenerator()
        let parameters = FHEParameters.insecureTest

        let clientKey = ClientKey.insecureFromSeed(Array("backward-compat \(version)".utf8), parameters: parameters)
        try write(clientKey.serialized(), "client_key.bin")
        let publicKey = CompactPublicKey.generate(clientKey.big, parameters: parameters, seed: (0..<32).map { _ in UInt8.random(in: .min ... .max) }, using: &random)
        try write(publicKey.serialized(), "public_key.bin")
        let uint8Value = UInt64.random(in: 0...255), uint64Value = UInt64.random(in: 0 ... .max)
        let uint8Bytes = clientKey.encrypt(uint8Value, as: FheType.uint8, using: &random).serialized(parameters: parameters)
        try write(uint8Bytes, "ciphertext_uint8.bin")
        try write(Algebra.SHA3_256.hash(uint8Bytes), "ciphertext_uint8.handle")
        try write(clientKey.encrypt(uint64Value, as: FheType.uint64, using: &random).serialized(parameters: parameters), "ciphertext_uint64.bin")

        let vaultKey = directory.appendingPathComponent("vault.key").path
        try TestCluster.writeRootKey(vaultKey)
        let store = VaultStore(backend: try FileStorage(root: directory.appendingPathComponent("vault").path), rootKey: try FileRootKey(path: vaultKey))
        try await store.putPrivate(SecretBytes(Array("the vault's secret of \(version)".utf8)), id: try ObjectID(kind: "BackwardCompat", name: "secret"))
        try await store.putPublic(Array("public \(version)".utf8), id: try ObjectID(kind: "BackwardCompat", name: "public"))
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("vault/.lock"))

        let prss = try EpochRecordTests.prss(party: Self.parties.party, n: Self.parties.n, t: Self.parties.t)
        let record = EpochRecord(epochID: try EpochRecordTests.identifier(1), contextID: try EpochRecordTests.identifier(2), prss: prss)
        try write(record.serialized().withUnsafeBytes { Array($0) }, "epoch.bin")

        let signer = try OperatorSigningKey.generate()
        let message = try PublicDecryptVerification(ctHandles: [Algebra.SHA3_256.hash(uint8Bytes)], decryptedResult: try abiEncodeUInt256s([[UInt8(uint8Value)]]))
        try write(try signer.sign(message, domain: Self.domain).bytes, "public_decryption.sig")
        var previous = AuditEntry.genesisHash
        var auditText = ""
        for sequence in 1...3 {
            let entry = try AuditEntry(
                sequence: UInt64(sequence), time: AuditLog.timestamp(), method: "PublicDecrypt", requestID: String(repeating: "ab", count: 32),
                caller: "kms-client", requestDigest: Algebra.SHA3_256.hash([UInt8(sequence)]), status: "OK", resultDigest: Algebra.SHA3_256.hash([0]),
                previousHash: previous).signed(by: signer)
            previous = entry.hash
            auditText += entry.json + "\n"
        }
        try write(Array(auditText.utf8), "audit.log")

        let userKey = try XWingMLKEM768X25519.PrivateKey.generate()
        try write(Array(userKey.seedRepresentation), "user_key.seed")
        let userShares = (0..<4).map { _ in UInt64.random(in: 0..<FieldElement.modulus) }
        let binding = UserDecryptionShare.Binding(
            requestID: [UInt8](repeating: 0x42, count: 32), userAddress: signer.address, handle: Algebra.SHA3_256.hash(uint8Bytes),
            encryptionKey: Array(userKey.publicKey.rawRepresentation))
        try write(try UserShareSigncryption.seal(UserDecryptionShare(partyID: 3, degree: 1, shares: userShares), binding: binding, signer: signer),
                  "user_share.bin")

        let configs = directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: configs, withIntermediateDirectories: true)
        let source = Self.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("config")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) where name.hasSuffix(".toml") {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: configs.appendingPathComponent(name))
        }
        let manifest: [String: Any] = [
            "version": version, "parameters": Int(parameters.id), "uint8_value": uint8Value, "uint64_value": uint64Value,
            "signer_address": signer.address.checksummed, "audit_entries": 3,
            "epoch_shares": prss.randomShares(count: 4, session: Self.session).map { String($0.value) },
            "user_shares": userShares.map(String.init),
            "note": "test data for backward-compatibility tests; every key in here is a throwaway test key",
        ]
        try write(Array(try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .prettyPrinted])), "manifest.json")
    }
}
