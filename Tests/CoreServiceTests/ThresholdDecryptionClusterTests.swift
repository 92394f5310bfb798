import FHEKeys
import Foundation
import GRPCCore
import KMSAPI
import Testing

/// Issue 12 acceptance with 4 real kms-server processes over mutual TLS (test parameters): every FHE type is
/// encrypted with the client on a random value and publicly decrypted by the cores in one batch; eth-account
/// recovers every core's PublicDecryptVerification signer; bad requests get the status of DESIGN §4; one core
/// down still decrypts, two down is a clear error; a core sending garbage cannot change a plaintext, and the
/// client names it from the honest cores' reports.
/// Runs in the multi-process phase of scripts/test.sh.
@Suite(.serialized) struct ThresholdDecryptionClusterTests {
    /// A key set made by InsecureKeyGen (fast; the decryption does not depend on how the key was made) and
    /// fetched by the client.
    func keySet(_ cluster: TestCluster, client: KeyGenClient) throws -> String {
        let keygen = try client.json(["insecure-keygen", "--params", "test"], timeout: 60)
        let keyID = try #require(keygen["key_id"] as? String)
        _ = try client.json(["fetch-keys", "--key-id", keyID, "--keys-dir", client.keysDirectory.path])
        return keyID
    }

    /// Encrypts `value` as `type` with the client; the ciphertext file.
    func encrypt(_ value: RadixValue, type: String, keyID: String, client: KeyGenClient) throws -> URL {
        let file = client.keysDirectory.appendingPathComponent("\(type)-\(UUID().uuidString).ct")
        let run = try client.run(["encrypt", "--key-id", keyID, "--keys-dir", client.keysDirectory.path, "--type", type,
                                  "--value", "0x\(value)", "--out", file.path])
        #expect(run.status == 0, "\(run.combined)")
        return file
    }

    func decrypt(_ files: [URL], keyID: String, client: KeyGenClient) throws -> [String: Any] {
        try client.json(["decrypt", "--key-id", keyID] + files.flatMap { ["--ciphertext", $0.path] }, timeout: 60)
    }

    static let types: [(name: String, bits: Int)] = [
        ("bool", 1), ("uint4", 4), ("uint8", 8), ("uint16", 16), ("uint32", 32), ("uint64", 64), ("uint128", 128),
        ("uint160", 160), ("uint256", 256),
    ]

    @Test func fourCoresDecryptEveryTypeSignItAndSurviveACoreDown() async throws {
        let cluster = try TestCluster()
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: cluster.parties)
        let client = try KeyGenClient(workspace: cluster.workspace, cores: cluster.parties.map { ($0, try cluster.server($0).serviceTarget) }, threshold: 1)
        let keyID = try keySet(cluster, client: client)

        var random = SystemRandomNumberGenerator()
        let values = Self.types.map { RadixValue.random(bits: $0.bits, using: &random) }
        let files = try zip(Self.types, values).map { type, value in try encrypt(value, type: type.name, keyID: keyID, client: client) }
        let answer = try decrypt(files, keyID: keyID, client: client)
        let plaintexts = try #require(answer["plaintexts"] as? [[String: Any]])
        #expect(plaintexts.map { $0["hex"] as? String } == values.map { "0x\($0)" }, "\(answer)")
        #expect(plaintexts.map { $0["fhe_type"] as? String } == Self.types.map(\.name))
        let signatures = try #require(answer["signatures"] as? [[String: Any]])
        #expect(signatures.compactMap { $0["party_id"] as? Int } == [1, 2, 3, 4], "\(answer)")
        let addresses = try await KeyGenTestSupport.operatorAddresses(cluster.servers)
        let recovered = try client.recoverDecryptionSignersWithEthAccount(answer)
        #expect(recovered == [1, 2, 3, 4].map { addresses[$0] ?? "-" }, "eth-account recovered \(recovered)")

        try await badRequestsGetTheirStatus(cluster, keyID: keyID, ciphertext: Array(try Data(contentsOf: files[3])))

        // One core down (the client still lists it): the three others decrypt.
        cluster.kill(4)
        let withThree = try decrypt([files[5]], keyID: keyID, client: client)
        #expect((withThree["plaintexts"] as? [[String: Any]])?.first?["hex"] as? String == "0x\(values[5])", "\(withThree)")
        #expect((withThree["signatures"] as? [[String: Any]])?.compactMap { $0["party_id"] as? Int } == [1, 2, 3])

        // Two down at (4,1): a clear error, never a plaintext.
        cluster.kill(3)
        let withTwo = try client.run(["decrypt", "--key-id", keyID, "--ciphertext", files[5].path, "--json"], timeout: 20)
        #expect(withTwo.status == 1, "\(withTwo.combined)")
        #expect(!withTwo.output.contains("plaintexts"), "\(withTwo.output)")
        #expect(withTwo.errorOutput.contains("PublicDecrypt refused") || withTwo.errorOutput.contains("needed"), "\(withTwo.errorOutput)")
    }

    /// DESIGN §4 statuses from core 1; the cluster decrypts afterwards as before.
    func badRequestsGetTheirStatus(_ cluster: TestCluster, keyID: String, ciphertext: [UInt8]) async throws {
        let channel = try cluster.server(1).channel()
        defer { channel.close() }
        func id() -> String { (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max)) }.joined() }
        func request(_ ciphertexts: [(bytes: [UInt8], type: Kms_V1_FheType)], key: String = keyID, requestID: String = id())
            -> Kms_V1_PublicDecryptionRequest
        {
            var request = Kms_V1_PublicDecryptionRequest()
            request.requestID.requestID = requestID
            request.keyID.requestID = key
            request.ciphertexts = ciphertexts.map { bytes, type in
                var typed = Kms_V1_TypedCiphertext()
                typed.ciphertext = Data(bytes)
                typed.fheType = type
                return typed
            }
            return request
        }
        func status(_ request: Kms_V1_PublicDecryptionRequest) async -> GRPCStatus {
            await TestCalls.statusCode(channel, CoreServiceMethod.publicDecrypt.path, request)
        }
        let garbage = await status(request([((0..<ciphertext.count).map { _ in UInt8.random(in: .min ... .max) }, .uint16)]))
        #expect(garbage.code == .invalidArgument && garbage.message.contains("ciphertexts[0]"), "\(garbage)")
        let truncated = await status(request([(Array(ciphertext.dropLast(9)), .uint16)]))
        #expect(truncated.code == .invalidArgument, "\(truncated)")
        let wrongType = await status(request([(ciphertext, .uint8)]))
        #expect(wrongType.code == .invalidArgument && wrongType.message.contains("16 bits"), "\(wrongType)")
        let noType = await status(request([(ciphertext, .unspecified)]))
        #expect(noType.code == .invalidArgument, "\(noType)")
        let unknownKey = await status(request([(ciphertext, .uint16)], key: id()))
        #expect(unknownKey.code == .notFound, "\(unknownKey)")
        let tooMany = await status(request(Array(repeating: (ciphertext, .uint16), count: 65)))
        #expect(tooMany.code == .invalidArgument && tooMany.message.contains("at most 64"), "\(tooMany)")
        let empty = await status(request([]))
        #expect(empty.code == .invalidArgument, "\(empty)")
        var unknownResult = Kms_V1_RequestId()
        unknownResult.requestID = id()
        let missing = await TestCalls.statusCode(channel, CoreServiceMethod.getPublicDecryptionResult.path, unknownResult)
        #expect(missing.code == .notFound, "\(missing)")

        // The same request id twice (every core gets it, so the decryption runs): the second is ALREADY_EXISTS.
        let reused = request([(ciphertext, .uint16)])
        var started: [GRPCStatus] = []
        for party in cluster.parties {
            let other = try cluster.server(party).channel()
            started.append(await TestCalls.statusCode(other, CoreServiceMethod.publicDecrypt.path, reused))
            other.close()
        }
        #expect(started.allSatisfy { $0.code == .ok }, "\(started)")
        let again = await status(reused)
        #expect(again.code == .alreadyExists, "\(again)")
        var resultRequest = Kms_V1_RequestId()
        resultRequest.requestID = reused.requestID.requestID
        var result = Kms_V1_PublicDecryptionResponse()
        for _ in 0..<30 {
            do {
                result = try await TestCalls.call(channel, CoreServiceMethod.getPublicDecryptionResult.path, resultRequest)
                break
            } catch let status as GRPCStatus where status.code == .unavailable {
                continue  // still running after the long poll
            }
        }
        #expect(result.payload.plaintexts.count == 1 && result.payload.plaintexts.first?.fheType == .uint16)
        #expect(result.externalSignature.isEmpty, "no domain in the request, no EIP-712 signature")
        #expect(result.signature.count == 65)
    }

    @Test func aCoreSendingGarbageCannotChangeAPlaintext() async throws {
        let cluster = try TestCluster(faulty: (party: 4, mode: "garbage", delayMilliseconds: 0))
        try await cluster.startAll()
        try await cluster.waitForDefaultEpoch(parties: [1, 2, 3])
        let client = try KeyGenClient(workspace: cluster.workspace, cores: cluster.parties.map { ($0, try cluster.server($0).serviceTarget) }, threshold: 1)
        let keyID = try keySet(cluster, client: client)
        var random = SystemRandomNumberGenerator()
        let values = [RadixValue.random(bits: 64, using: &random), RadixValue.random(bits: 8, using: &random)]
        let files = try [encrypt(values[0], type: "uint64", keyID: keyID, client: client),
                         encrypt(values[1], type: "uint8", keyID: keyID, client: client)]
        let answer = try decrypt(files, keyID: keyID, client: client)
        #expect((answer["plaintexts"] as? [[String: Any]])?.map { $0["hex"] as? String } == values.map { "0x\($0)" }, "\(answer)")
        let signers = Set((answer["signatures"] as? [[String: Any]] ?? []).compactMap { $0["party_id"] as? Int })
        #expect(signers.isSuperset(of: [1, 2, 3]), "\(answer)")
        // The honest cores' robust opens prove core 4's shares wrong; the client names it, on their word.
        let named = (answer["wrong_shares"] as? [[String: Any]]) ?? []
        #expect(named.compactMap { $0["party_id"] as? Int } == [4], "\(answer)")
        let reporters = Set((named.first?["reported_by"] as? [Int]) ?? [])
        #expect(reporters.isSuperset(of: [1, 2, 3]), "\(answer)")
        let text = try client.run(["decrypt", "--key-id", keyID, "--ciphertext", files[1].path], timeout: 60)
        #expect(text.output.contains("core 4 sent wrong shares in the MPC (proven by cores 1, 2, 3"), "\(text.combined)")
    }
}
