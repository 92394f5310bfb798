import Foundation
import Signatures
import Testing

/// Our EIP-712 digests and signatures against eth-account (code nobody here wrote), through
/// tests/python/eip712_oracle.py: random inputs for each of the five messages under random domains.
@Suite struct EIP712OracleTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One random message of a kind with its JSON form for the oracle.
    private struct Sample {
        let message: any EIP712Message
        let primaryType: String
        let fields: [String: Any]
    }

    @Test func digestsAndSignaturesAgreeWithEthAccount() throws {
        let kinds = ["PrepKeygenVerification", "KeygenVerification", "PublicDecryptVerification",
                     "UserDecryptResponseVerification", "CrsgenVerification"]
        var cases = [[String: Any]]()
        var expectations = [(sample: Sample, domain: EIP712Domain, key: OperatorSigningKey, signature: RecoverableSignature)]()
        for kind in kinds {
            for _ in 0..<5 {
                let sample = try Self.randomSample(kind)
                let (domain, domainJSON) = try Self.randomDomain()
                let key = try OperatorSigningKey.generate()
                let signature = try key.sign(digest: sample.message.digest(domain: domain))
                cases.append([
                    "domain": domainJSON, "primaryType": sample.primaryType, "message": sample.fields,
                    "privateKey": Self.hex(key.secretKeyBytes.withUnsafeBytes { Array($0) }),
                    "signature": Self.hex(signature.bytes),
                ])
                expectations.append((sample, domain, key, signature))
            }
        }
        let results = try Self.runOracle(["cases": cases])
        try #require(results.count == expectations.count)
        for (expected, result) in zip(expectations, results) {
            let digest = expected.sample.message.digest(domain: expected.domain)
            let context = "\(expected.sample.primaryType) under \(expected.domain.encodedType)"
            #expect(result["digest"] == Self.hex(digest), "digest of \(context)")
            #expect(result["recovered"] == expected.key.address.checksummed, "eth-account recovers ours: \(context)")
            #expect(result["signature"] == Self.hex(expected.signature.bytes), "same RFC 6979 signature: \(context)")
            let theirs = try RecoverableSignature(bytes: TestSupport.bytes(try #require(result["oracleSignature"])))
            let theirAddress = try EthereumAddress(hex: try #require(result["oracleAddress"]))
            #expect(try theirs.recoverAddress(digest: digest) == theirAddress, "we recover eth-account's: \(context)")
            #expect(theirs.verify(digest: digest, address: theirAddress))
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String { "0x" + TestSupport.hex(bytes) }

    private static func randomBytes(maxCount: Int) -> [UInt8] { TestSupport.random(Int.random(in: 0...maxCount)) }

    private static func randomSample(_ kind: String) throws -> Sample {
        let extraData = Bool.random() ? [] : randomBytes(maxCount: 40)
        let handles = (0..<Int.random(in: 0...4)).map { _ in TestSupport.random(32) }
        switch kind {
        case "PrepKeygenVerification":
            let id = TestSupport.random(32)
            return Sample(message: try PrepKeygenVerification(prepKeygenId: id, extraData: extraData), primaryType: kind,
                          fields: ["prepKeygenId": hex(id), "extraData": hex(extraData)])
        case "KeygenVerification":
            let prepId = TestSupport.random(32), keyId = TestSupport.random(32)
            let digests = KeyDigest.KeyType.allCases.filter { _ in Bool.random() }.map {
                KeyDigest(keyType: $0, digest: randomBytes(maxCount: 64))
            }
            return Sample(
                message: try KeygenVerification(prepKeygenId: prepId, keyId: keyId, keyDigests: digests, extraData: extraData),
                primaryType: kind,
                fields: ["prepKeygenId": hex(prepId), "keyId": hex(keyId), "extraData": hex(extraData),
                         "keyDigests": digests.map { ["keyType": Int($0.keyType.rawValue), "digest": hex($0.digest)] }])
        case "PublicDecryptVerification":
            let plaintexts = (0..<handles.count).map { _ in randomBytes(maxCount: 32) }
            let result = try abiEncodeUInt256s(plaintexts)
            return Sample(
                message: try PublicDecryptVerification(ctHandles: handles, decryptedResult: result, extraData: extraData),
                primaryType: kind,
                fields: ["ctHandles": handles.map(hex), "decryptedResult": hex(result), "extraData": hex(extraData)])
        case "UserDecryptResponseVerification":
            let publicKey = randomBytes(maxCount: 1216), share = randomBytes(maxCount: 300)
            return Sample(
                message: try UserDecryptResponseVerification(
                    publicKey: publicKey, ctHandles: handles, userDecryptedShare: share, extraData: extraData),
                primaryType: kind,
                fields: ["publicKey": hex(publicKey), "ctHandles": handles.map(hex), "userDecryptedShare": hex(share),
                         "extraData": hex(extraData)])
        default:
            let crsId = TestSupport.random(32), bits = randomBytes(maxCount: 32), digest = randomBytes(maxCount: 64)
            return Sample(
                message: try CrsgenVerification(crsId: crsId, maxBitLength: bits, crsDigest: digest, extraData: extraData),
                primaryType: kind,
                fields: ["crsId": hex(crsId), "maxBitLength": hex(bits.isEmpty ? [0] : bits), "crsDigest": hex(digest),
                         "extraData": hex(extraData)])
        }
    }

    /// A domain with a random subset of the optional fields (the name always, in a non-ASCII spelling sometimes).
    private static func randomDomain() throws -> (EIP712Domain, [String: Any]) {
        let name = Bool.random() ? "Zama KMS" : "Décryption ✓ \(Int.random(in: 0...999))"
        let version = Bool.random() ? "\(Int.random(in: 1...9))" : nil
        let chainId = Bool.random() ? randomBytes(maxCount: 32) : nil
        let contract = Bool.random() ? try EthereumAddress(bytes: TestSupport.random(20)) : nil
        let salt = Bool.random() ? TestSupport.random(32) : nil
        let domain = try EIP712Domain(name: name, version: version, chainId: chainId, verifyingContract: contract, salt: salt)
        var json: [String: Any] = ["name": name]
        if let version { json["version"] = version }
        if let chainId { json["chainId"] = hex(chainId.isEmpty ? [0] : chainId) }
        if let contract { json["verifyingContract"] = contract.checksummed }
        if let salt { json["salt"] = hex(salt) }
        return (domain, json)
    }

    /// Runs the oracle with `request` on standard input and returns its results.
    private static func runOracle(_ request: [String: Any]) throws -> [[String: String]] {
        let script = repository.appendingPathComponent("tests/python/eip712_oracle.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: request))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OracleFailure(description: "python3 \(script.path) failed (needs `pip install eth-account`): \(message)")
        }
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        guard let results = object?["results"] as? [[String: String]] else {
            throw OracleFailure(description: "unexpected oracle output: \(String(decoding: data, as: UTF8.self))")
        }
        return results
    }

    private struct OracleFailure: Error, CustomStringConvertible {
        let description: String
    }
}
