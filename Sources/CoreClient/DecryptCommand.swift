import Algebra
import ArgumentParser
import FHEKeys
import Foundation
import KMSAPI
import Signatures

/// `kms-core-client decrypt`: public decryption (DESIGN §3.5, §3.6). Sends PublicDecrypt to every core, collects
/// the results, checks each core's PublicDecryptVerification signature against its signing address, and accepts
/// the plaintexts that at least t + 1 cores signed; any core that answered otherwise is named.
struct DecryptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Publicly decrypt ciphertexts made by encrypt; prints the plaintexts that at least t + 1 cores signed.")

    @OptionGroup var options: ClientOptions

    @Option(name: .customLong("key-id"), help: "The key set the ciphertexts are encrypted under.")
    var keyID: String

    @Option(name: .customLong("ciphertext"), help: "A file written by encrypt --out (repeat for a batch; the type is read from the file).")
    var ciphertextFiles: [String] = []

    @Option(name: .customLong("request-id"), help: "The request id to use (64 lower-case hex digits); random if omitted.")
    var decryptionRequestID: String?

    @Option(name: .customLong("wait-seconds"), help: "How long to wait for the cores to finish.")
    var waitSeconds: Int = 120

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    func run() async throws {
        let configuration = try loadConfiguration(options)
        try await reportingFailure {
            guard !ciphertextFiles.isEmpty else { throw ClientError.usage("--ciphertext: give at least one ciphertext file") }
            guard waitSeconds > 0 else { throw ClientError.usage("--wait-seconds: must be at least 1") }
            let key = try requestID(keyID)
            let id = try requestID(decryptionRequestID)
            var typed: [Kms_V1_TypedCiphertext] = []
            var types: [FheType] = []
            for path in ciphertextFiles {
                guard let data = FileManager.default.contents(atPath: path) else { throw ClientError.file("--ciphertext: cannot read '\(path)'") }
                let ciphertext: RadixCiphertext
                let type: FheType
                do {
                    ciphertext = try RadixCiphertext(serialized: Array(data))
                    type = try FheType(bitWidth: ciphertext.bitWidth)
                } catch {
                    throw ClientError.file("--ciphertext: '\(path)' is not a ciphertext written by encrypt (\(error))")
                }
                var message = Kms_V1_TypedCiphertext()
                message.ciphertext = data
                message.fheType = Self.protoType(type)
                message.externalHandle = Data(SHA3_256.hash(Array(data)))
                typed.append(message)
                types.append(type)
            }
            let calls = ClusterCalls(configuration: configuration, timeout: .seconds(options.timeout))
            var request = Kms_V1_PublicDecryptionRequest()
            request.requestID.requestID = id
            request.keyID.requestID = key
            request.ciphertexts = typed
            request.domain = calls.protoDomain
            try await startEverywhere(calls, method: CoreServiceMethod.publicDecrypt.path, request, what: "PublicDecrypt")
            let answers = try await calls.pollAll(
                method: CoreServiceMethod.getPublicDecryptionResult.path, requestID: id, deadline: .seconds(waitSeconds),
                as: Kms_V1_PublicDecryptionResponse.self, report: { _ in })
            let agreement = try PublicDecryptionAgreement.check(
                answers, handles: typed.map { Array($0.externalHandle) }, types: types, signers: await calls.signerAddresses(),
                domain: try calls.signingDomain(), threshold: configuration.threshold)
            if json {
                var object = agreement.json
                object["request_id"] = id
                object["key_id"] = key
                printJSON(object)
            } else {
                agreement.printText()
            }
        }
    }

    static func protoType(_ type: FheType) -> Kms_V1_FheType {
        Kms_V1_FheType(rawValue: (FheType.allCases.firstIndex(of: type) ?? -1) + 1) ?? .unspecified
    }
}
