import FHEKeys
import Foundation
import GRPCCore
import KMSAPI
import MPCProtocols
import SecureMemory
import Testing
import Vault

/// What the key-generation tests share: the client run as a real process with a config for the test's cores,
/// JSON answers, and (test only) the cores' key shares read back from their vaults with the root keys the test made.
struct KeyGenClient {
    let configPath: String
    let keysDirectory: URL

    init(workspace: TestWorkspace, cores: [(party: Int, target: String)], threshold: Int) throws {
        let certificates = workspace.certificates
        var text = """
            threshold = \(threshold)

            [tls]
            ca_cert = "\(certificates.caPath)"
            cert = "\(certificates.clientCertificatePath)"
            key = "\(certificates.clientKeyPath)"

            [eip712]
            name = "ThresholdKMS-test"
            version = "1"
            chain_id = 31337
            verifying_contract = "0x00000000000000000000000000000000000000aa"

            """
        for (party, target) in cores { text += "\n[[cores]]\nparty_id = \(party)\naddress = \"\(target)\"\n" }
        let url = workspace.root.appendingPathComponent("client-keygen.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        configPath = url.path
        keysDirectory = workspace.root.appendingPathComponent("keys")
    }

    /// Runs `kms-core-client --config C <arguments>`; the result, whatever its status.
    func run(_ arguments: [String], timeout: Int = 30) throws -> TestProcesses.Result {
        try TestProcesses.run(try TestProcesses.binary("kms-core-client"), ["--config", configPath, "--timeout", "\(timeout)"] + arguments)
    }

    /// Runs a command with `--json` that must succeed; its JSON object.
    func json(_ arguments: [String], timeout: Int = 30) throws -> [String: Any] {
        let result = try run(arguments + ["--json"], timeout: timeout)
        guard result.status == 0 else {
            throw TestProcesses.Failure(description: "kms-core-client \(arguments.joined(separator: " ")) exited \(result.status): \(result.combined)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] else {
            throw TestProcesses.Failure(description: "not a JSON object: \(result.output)")
        }
        return object
    }

    /// Verifies each signature of a keygen/fetch-keys JSON answer with eth-account; the recovered addresses.
    func recoverWithEthAccount(_ answer: [String: Any]) throws -> [String] {
        let signatures = (answer["signatures"] as? [[String: Any]] ?? []).compactMap { $0["signature"] as? String }
        let digests = (answer["digests"] as? [[String: Any]] ?? []).map { entry -> [String: Any] in
            ["key_type": entry["key_type"] as? String == "ServerKey" ? 0 : 1, "digest": entry["digest"] as? String ?? ""]
        }
        let preprocessing = answer["preproc_id"] as? String ?? ""
        let request: [String: Any] = [
            "domain": ["name": "ThresholdKMS-test", "version": "1", "chainId": 31337,
                       "verifyingContract": "0x00000000000000000000000000000000000000aa"],
            "prep_keygen_id": preprocessing.isEmpty ? String(repeating: "0", count: 64) : preprocessing,
            "key_id": answer["key_id"] as? String ?? "",
            "digests": digests,
            "signatures": signatures,
        ]
        return try Self.runOracle("verify_keygen_signatures.py", input: request)
    }

    /// Verifies each signature of a `decrypt --json` answer with eth-account and eth-abi; the recovered addresses.
    func recoverDecryptionSignersWithEthAccount(_ answer: [String: Any]) throws -> [String] {
        let plaintexts = answer["plaintexts"] as? [[String: Any]] ?? []
        let request: [String: Any] = [
            "domain": ["name": "ThresholdKMS-test", "version": "1", "chainId": 31337,
                       "verifyingContract": "0x00000000000000000000000000000000000000aa"],
            "handles": plaintexts.map { $0["handle"] as? String ?? "" },
            "values": plaintexts.map { $0["value"] as? String ?? "" },
            "extra_data": "",
            "signatures": (answer["signatures"] as? [[String: Any]] ?? []).compactMap { $0["signature"] as? String },
        ]
        return try Self.runOracle("verify_decryption_signatures.py", input: request)
    }

    /// Runs tests/python/<script> with `input` as JSON on stdin; its output lines.
    static func runOracle(_ script: String, input request: [String: Any]) throws -> [String] {
        let input = try JSONSerialization.data(withJSONObject: request)
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = repository.appendingPathComponent("tests/python/\(script)")
        let scratch = try TestProcesses.temporaryDirectory(prefix: "eth")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inputURL = scratch.appendingPathComponent("request.json")
        try input.write(to: inputURL)
        let result = try TestProcesses.run(try TestProcesses.tool("sh"), ["-c", "python3 '\(path.path)' < '\(inputURL.path)'"])
        guard result.status == 0 else { throw TestProcesses.Failure(description: "\(script) failed: \(result.combined)") }
        return result.output.split(separator: "\n").map(String.init)
    }
}

enum KeyGenTestSupport {
    /// Each core's announced signing address (GetOperatorPublicKey), by party.
    static func operatorAddresses(_ servers: [Int: TestServer]) async throws -> [Int: String] {
        var addresses: [Int: String] = [:]
        for (party, server) in servers {
            let channel = try server.channel()
            defer { channel.close() }
            let key: Kms_V1_OperatorPublicKey = try await TestCalls.call(channel, CoreServiceMethod.getOperatorPublicKey.path, Kms_V1_Empty())
            #expect(key.publicKey.count == 65)
            addresses[party] = key.address
        }
        return addresses
    }

    /// TEST ONLY: a stopped core's share of `keyID`, read from its vault with the root key the test wrote.
    static func share(dataDirectory: URL, rootKeyFile: String, keyID: String) async throws -> SecretKeyShare {
        let storage = try FileStorage(root: dataDirectory.path)
        defer { storage.close() }
        let vault = VaultStore(backend: storage, rootKey: try FileRootKey(path: rootKeyFile))
        return try SecretKeyShare(serialized: try await vault.getPrivate(try ObjectID(kind: "FheKeyShare", name: keyID)))
    }

    /// The value of a radix ciphertext, 128 bits at most, under `key`.
    static func decrypt(_ ciphertext: RadixCiphertext, _ key: ClientKey) -> UInt64 { key.decrypt(ciphertext) }

    static func ciphertext(_ path: URL, parameters: FHEParameters) throws -> RadixCiphertext {
        try RadixCiphertext(serialized: Array(try Data(contentsOf: path)), parameters: parameters)
    }
}
