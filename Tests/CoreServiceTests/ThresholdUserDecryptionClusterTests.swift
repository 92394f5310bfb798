import FHEKeys
import Foundation
import GRPCCore
import KMSAPI
import Testing

/// Issue 12 acceptance for user decryption with 4 real kms-server processes over mutual TLS (test parameters):
/// every FHE type on random values, through the client and through a Python user whose X-Wing key, HPKE key
/// schedule, signature checks and GF(p) reconstruction are not ours; bad requests get the status of DESIGN §4;
/// one core down still decodes, two down is a clear error; a core returning wrong shares is outvoted and named.
/// Runs in the multi-process phase of scripts/test.sh.
@Suite(.serialized) struct ThresholdUserDecryptionClusterTests {
    static let address = "0x00000000000000000000000000000000000000b0"

    func userDecrypt(_ files: [URL], keyID: String, client: KeyGenClient, userKey: URL) throws -> [String: Any] {
        try client.json(["user-decrypt", "--key-id", keyID, "--address", Self.address, "--user-key", userKey.path]
            + files.flatMap { ["--ciphertext", $0.path] }, timeout: 60)
    }

    /// Four cores with their default epoch, the client, and a key set made by InsecureKeyGen and fetched.
    func startedCluster(faulty: (party: Int, mode: String, delayMilliseconds: Int)? = nil) async throws
        -> (TestCluster, KeyGenClient, String)
    {
        let cluster = try TestCluster(faulty: faulty)
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: cluster.parties)
        let client = try KeyGenClient(workspace: cluster.workspace, cores: cluster.parties.map { ($0, try cluster.server($0).serviceTarget) }, threshold: 1)
        return (cluster, client, try ThresholdDecryptionClusterTests().keySet(cluster, client: client))
    }

    @Test func fourCoresUserDecryptEveryTypeForAUserTheyCannotRead() async throws {
        let (cluster, client, keyID) = try await startedCluster()
        let decryption = ThresholdDecryptionClusterTests()
        var random = SystemRandomNumberGenerator()
        let types = ThresholdDecryptionClusterTests.types
        let values = types.map { RadixValue.random(bits: $0.bits, using: &random) }
        let files = try zip(types, values).map { type, value in try decryption.encrypt(value, type: type.name, keyID: keyID, client: client) }

        // The client: a user key made on first use and kept in a file (mode 0600), then read again.
        let userKey = cluster.workspace.root.appendingPathComponent("user.key")
        let answer = try userDecrypt(files, keyID: keyID, client: client, userKey: userKey)
        let plaintexts = try #require(answer["plaintexts"] as? [[String: Any]])
        #expect(plaintexts.map { $0["hex"] as? String } == values.map { "0x\($0)" }, "\(answer)")
        #expect((answer["shares_from"] as? [[String: Any]])?.compactMap { $0["party_id"] as? Int } == [1, 2, 3, 4], "\(answer)")
        #expect((answer["dissent"] as? [Any])?.isEmpty == true, "\(answer)")
        let mode = try FileManager.default.attributesOfItem(atPath: userKey.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let again = try userDecrypt([files[3]], keyID: keyID, client: client, userKey: userKey)
        #expect((again["plaintexts"] as? [[String: Any]])?.first?["hex"] as? String == "0x\(values[3])")

        // A Python user: its own X-Wing key; it opens every core's payload and reconstructs with galois.
        let python = try PythonUser(scratch: cluster.workspace.root)
        let requestID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
        var request = Kms_V1_UserDecryptionRequest()
        request.requestID.requestID = requestID
        request.keyID.requestID = keyID
        request.clientAddress = Self.address
        request.encryptionKey = Data(python.publicKey)
        request.domain = Self.domain
        request.ciphertexts = try files.map { file in
            var typed = Kms_V1_TypedCiphertext()
            typed.ciphertext = try Data(contentsOf: file)
            typed.fheType = Kms_V1_FheType(rawValue: types.firstIndex { file.lastPathComponent.hasPrefix($0.name + "-") }! + 1)!
            return typed
        }
        let sent = request
        let responses = try await withThrowingTaskGroup(of: (Int, Kms_V1_UserDecryptionResponse).self) { group in
            for party in cluster.parties {
                let target = try cluster.server(party).channel()
                group.addTask {
                    defer { target.close() }
                    return (party, try await TestCalls.call(target, CoreServiceMethod.userDecryptSync.path, sent, timeout: .seconds(120)))
                }
            }
            return try await group.reduce(into: [Int: Kms_V1_UserDecryptionResponse]()) { $0[$1.0] = $1.1 }
        }
        let addresses = try await KeyGenTestSupport.operatorAddresses(cluster.servers)
        let opened = try python.open(requestID: requestID, responses: responses, addresses: addresses, bits: types.map(\.bits))
        #expect(opened == values.map { "\($0)" }, "Python decoded \(opened)")
        // No core's answer holds a plaintext in the clear: each share is an HPKE ciphertext of the expected size.
        for response in responses.values {
            #expect(response.payload.shares.allSatisfy { $0.ciphertext.count > 1120 + 16 + 13 + 65 })
        }

        try await badRequestsGetTheirStatus(cluster, request: request)

        // examples/full_node_client.py: encrypts with the client, decrypts publicly over grpcio, checks the signatures.
        let example = URL(fileURLWithPath: PythonUser.script).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/full_node_client.py")
        let exampleValue = UInt64.random(in: 0 ... .max)
        let fullNode = try TestProcesses.run(try TestProcesses.tool("python3"), [
            example.path, "--config", client.configPath, "--key-id", keyID, "--keys-dir", client.keysDirectory.path,
            "--type", "uint64", "--value", "\(exampleValue)", "--client", try TestProcesses.binary("kms-core-client").path,
        ])
        #expect(fullNode.status == 0, "\(fullNode.combined)")
        let fullNodeAnswer = try JSONSerialization.jsonObject(with: Data(fullNode.output.utf8)) as? [String: Any]
        #expect(fullNodeAnswer?["value"] as? String == "\(exampleValue)", "\(fullNode.combined)")
        #expect((fullNodeAnswer?["signers"] as? [[String: Any]])?.count == 4, "\(fullNode.combined)")

        // One core down (the client still lists it): the three others are 2t + 1 answers.
        cluster.kill(4)
        let withThree = try userDecrypt([files[5]], keyID: keyID, client: client, userKey: userKey)
        #expect((withThree["plaintexts"] as? [[String: Any]])?.first?["hex"] as? String == "0x\(values[5])", "\(withThree)")
        // Two down at (4,1): a clear error, never a plaintext.
        cluster.kill(3)
        let withTwo = try client.run(["user-decrypt", "--key-id", keyID, "--address", Self.address, "--ciphertext", files[5].path, "--json"], timeout: 20)
        #expect(withTwo.status == 1, "\(withTwo.combined)")
        #expect(!withTwo.output.contains("plaintexts"), "\(withTwo.output)")
        #expect(withTwo.errorOutput.contains("UserDecrypt refused") || withTwo.errorOutput.contains("needed"), "\(withTwo.errorOutput)")
    }

    static var domain: Kms_V1_Eip712Domain {
        var domain = Kms_V1_Eip712Domain()
        domain.name = "ThresholdKMS-test"
        domain.version = "1"
        var chain = [UInt8](repeating: 0, count: 32)
        chain[30] = UInt8(31337 >> 8)
        chain[31] = UInt8(31337 & 0xff)
        domain.chainID = Data(chain)
        domain.verifyingContract = "0x00000000000000000000000000000000000000aa"
        return domain
    }

    /// DESIGN §4 statuses from core 1 for requests that must be refused before anything runs.
    func badRequestsGetTheirStatus(_ cluster: TestCluster, request good: Kms_V1_UserDecryptionRequest) async throws {
        let channel = try cluster.server(1).channel()
        defer { channel.close() }
        func status(_ change: (inout Kms_V1_UserDecryptionRequest) -> Void) async -> GRPCStatus {
            var request = good
            request.requestID.requestID = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined()
            change(&request)
            return await TestCalls.statusCode(channel, CoreServiceMethod.userDecrypt.path, request)
        }
        let shortKey = await status { $0.encryptionKey = Data(repeating: 7, count: 100) }
        #expect(shortKey.code == .invalidArgument && shortKey.message.contains("encryption_key"), "\(shortKey)")
        let noKey = await status { $0.encryptionKey = Data() }
        #expect(noKey.code == .invalidArgument, "\(noKey)")
        let badAddress = await status { $0.clientAddress = "0x1234" }
        #expect(badAddress.code == .invalidArgument && badAddress.message.contains("client_address"), "\(badAddress)")
        let garbage = await status { $0.ciphertexts[0].ciphertext = Data((0..<200).map { _ in UInt8.random(in: .min ... .max) }) }
        #expect(garbage.code == .invalidArgument && garbage.message.contains("ciphertexts[0]"), "\(garbage)")
        let unknownKey = await status { $0.keyID.requestID = String(repeating: "ab", count: 32) }
        #expect(unknownKey.code == .notFound, "\(unknownKey)")
        let tooMany = await status { $0.ciphertexts = Array(repeating: $0.ciphertexts[1], count: 65) }
        #expect(tooMany.code == .invalidArgument && tooMany.message.contains("at most 64"), "\(tooMany)")
        // The request already answered above: its id again is ALREADY_EXISTS; its result is still there.
        let reused = await TestCalls.statusCode(channel, CoreServiceMethod.userDecrypt.path, good)
        #expect(reused.code == .alreadyExists, "\(reused)")
        var id = Kms_V1_RequestId()
        id.requestID = good.requestID.requestID
        let result: Kms_V1_UserDecryptionResponse = try await TestCalls.call(channel, CoreServiceMethod.getUserDecryptionResult.path, id)
        #expect(result.payload.partyID == 1 && result.payload.degree == 1 && result.payload.shares.count == good.ciphertexts.count)
    }

    @Test func aCoreReturningWrongSharesIsOutvotedAndNamed() async throws {
        let (cluster, client, keyID) = try await startedCluster(faulty: (party: 2, mode: "wrong-user-shares", delayMilliseconds: 0))
        let decryption = ThresholdDecryptionClusterTests()
        var random = SystemRandomNumberGenerator()
        let value = RadixValue.random(bits: 64, using: &random)
        let file = try decryption.encrypt(value, type: "uint64", keyID: keyID, client: client)
        let userKey = cluster.workspace.root.appendingPathComponent("user.key")
        let answer = try userDecrypt([file], keyID: keyID, client: client, userKey: userKey)
        #expect((answer["plaintexts"] as? [[String: Any]])?.first?["hex"] as? String == "0x\(value)", "\(answer)")
        let dissent = try #require(answer["dissent"] as? [[String: Any]])
        #expect(dissent.compactMap { $0["party_id"] as? Int } == [2], "\(answer)")
        #expect((dissent.first?["reason"] as? String)?.contains("wrong share") == true, "\(answer)")
        #expect((answer["shares_from"] as? [[String: Any]])?.compactMap { $0["party_id"] as? Int } == [1, 3, 4], "\(answer)")
        // The public decryption of the same ciphertext is unaffected (that core is honest in the protocol).
        let publicAnswer = try decryption.decrypt([file], keyID: keyID, client: client)
        #expect((publicAnswer["plaintexts"] as? [[String: Any]])?.first?["hex"] as? String == "0x\(value)")
    }
}

/// tests/python/open_user_decryption.py: a user whose cryptography is not ours.
struct PythonUser {
    let keyFile: URL
    let publicKey: [UInt8]
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tests/python/open_user_decryption.py").path
    }

    init(scratch: URL) throws {
        keyFile = scratch.appendingPathComponent("python-user.json")
        let result = try TestProcesses.run(try TestProcesses.tool("python3"), [Self.script, "keygen", keyFile.path])
        guard result.status == 0 else { throw TestProcesses.Failure(description: "keygen: \(result.combined)") }
        publicKey = hexToBytes(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The values (hex, as `RadixValue.description`) Python decodes from the cores' answers.
    func open(requestID: String, responses: [Int: Kms_V1_UserDecryptionResponse], addresses: [Int: String], bits: [Int]) throws -> [String] {
        let hex = { (data: Data) in data.map { String(format: "%02x", $0) }.joined() }
        let first = try #require(responses.values.first)
        let input: [String: Any] = [
            "request_id": requestID,
            "address": ThresholdUserDecryptionClusterTests.address,
            "domain": ["name": "ThresholdKMS-test", "version": "1", "chainId": 31337,
                       "verifyingContract": "0x00000000000000000000000000000000000000aa"],
            "handles": first.payload.shares.map { hex($0.externalHandle) },
            "types_bits": bits,
            "threshold": 1,
            "extra_data": "",
            "cores": responses.sorted { $0.key < $1.key }.map { party, response in
                [
                    "party_id": party, "signer": addresses[party] ?? "-",
                    "shares": response.payload.shares.map { hex($0.ciphertext) },
                    "external_signature": hex(response.externalSignature),
                ] as [String: Any]
            },
        ]
        let inputURL = keyFile.deletingLastPathComponent().appendingPathComponent("python-user-request.json")
        try JSONSerialization.data(withJSONObject: input).write(to: inputURL)
        let result = try TestProcesses.run(
            try TestProcesses.tool("sh"), ["-c", "python3 '\(Self.script)' open '\(keyFile.path)' < '\(inputURL.path)'"])
        guard result.status == 0 else { throw TestProcesses.Failure(description: "open_user_decryption.py: \(result.combined)") }
        return result.output.split(separator: "\n").map(String.init)
    }
}

func hexToBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex), index < text.endIndex {
        guard let byte = UInt8(text[index..<next], radix: 16) else { return [] }
        bytes.append(byte)
        index = next
    }
    return bytes
}
