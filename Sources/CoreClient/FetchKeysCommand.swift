import ArgumentParser
import FHEKeys
import Foundation
import KMSAPI

/// `kms-core-client fetch-keys`: accepts a key set only when t + 1 cores signed identical digests, then
/// downloads its public objects from cores that signed them and checks every byte against the digests.
struct FetchKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-keys",
        abstract: "Download a key set's public key and server key, checked against the digests t + 1 cores signed.")

    @OptionGroup var options: ClientOptions

    @Option(name: .customLong("key-id"), help: "The key set (the id of the KeyGen request that made it).")
    var keyID: String

    @Option(name: .customLong("keys-dir"), help: "Directory to write <key-id>/PublicKey and <key-id>/ServerKey into.")
    var keysDirectory: String = "keys"

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    func run() async throws {
        let configuration = try loadConfiguration(options)
        try await reportingFailure {
            let id = try requestID(keyID)
            let calls = ClusterCalls(configuration: configuration, timeout: .seconds(options.timeout))
            var request = Kms_V1_RequestId()
            request.requestID = id
            var answers = await calls.callAll(method: CoreServiceMethod.getKeyGenResult.path, request, as: Kms_V1_KeyGenResult.self)
            let madeInsecurely = answers.allSatisfy { answer in
                if case .failure(.core(_, let message)) = answer.result { return message.contains("InsecureKeyGen") }
                return false
            }
            if madeInsecurely {
                answers = await calls.callAll(method: InsecureCoreServiceMethod.getInsecureKeyGenResult.path, request, as: Kms_V1_KeyGenResult.self)
            }
            let agreement = try KeyGenAgreement.check(
                answers, keyID: id, signers: await calls.signerAddresses(), domain: try calls.signingDomain(),
                threshold: configuration.threshold)
            let directory = URL(fileURLWithPath: keysDirectory).appendingPathComponent(id)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw ClientError.file("--keys-dir: cannot create '\(directory.path)': \(error.localizedDescription)")
            }
            var written: [[String: Any]] = []
            for (type, digest) in agreement.digests {
                let bytes = try await download(type: type, digest: digest, keyID: id, from: agreement.signers.map(\.party), calls: calls)
                let path = directory.appendingPathComponent(type)
                do {
                    try Data(bytes).write(to: path, options: .atomic)
                } catch {
                    throw ClientError.file("cannot write '\(path.path)': \(error.localizedDescription)")
                }
                written.append(["key_type": type, "path": path.path, "bytes": bytes.count, "digest": hexString(digest)])
            }
            if json {
                var object = agreement.json
                object["files"] = written
                printJSON(object)
            } else {
                agreement.printText()
                for file in written { print("wrote \(file["path"]!) (\(file["bytes"]!) bytes, digest checked)") }
            }
        }
    }

    /// The object from the first signing core whose bytes match the digest; names every core that served other bytes.
    private func download(type: String, digest: [UInt8], keyID: String, from parties: [Int], calls: ClusterCalls) async throws -> [UInt8] {
        var problems: [String] = []
        for party in parties {
            guard let core = calls.configuration.cores.first(where: { $0.partyId == party }) else { continue }
            var bytes: [UInt8] = []
            var request = Kms_V1_PublicObjectRequest()
            request.keyID.requestID = keyID
            request.objectType = type
            var failure: String?
            while true {
                request.offset = UInt64(bytes.count)
                let result = await calls.call(core, method: CoreServiceMethod.getPublicObject.path, request, as: Kms_V1_PublicObjectChunk.self)
                guard case .success(let chunk) = result else {
                    if case .failure(let error) = result { failure = "\(error)" }
                    break
                }
                bytes += chunk.data
                if UInt64(bytes.count) > chunk.totalSize { failure = "core \(party): more bytes than announced"; break }
                if chunk.data.isEmpty || UInt64(bytes.count) == chunk.totalSize { break }
            }
            if let failure { problems.append(failure); continue }
            guard FHESerialization.digest(bytes) == digest else {
                problems.append("core \(party): its \(type) does not match the signed digest")
                continue
            }
            return bytes
        }
        throw ClientError.noAgreement("\(type) of key \(keyID): no signing core served the signed bytes: " + problems.joined(separator: "; "))
    }
}
