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
    @OptionGroup var decryption: DecryptionOptions

    func run() async throws {
        let configuration = try loadConfiguration(options)
        try await reportingFailure {
            let (key, id, files) = try decryption.checked()
            let calls = ClusterCalls(configuration: configuration, timeout: .seconds(options.timeout))
            var request = Kms_V1_PublicDecryptionRequest()
            request.requestID.requestID = id
            request.keyID.requestID = key
            request.ciphertexts = files.typed
            request.domain = calls.protoDomain
            try await startEverywhere(calls, method: CoreServiceMethod.publicDecrypt.path, request, what: "PublicDecrypt")
            let answers = try await calls.pollAll(
                method: CoreServiceMethod.getPublicDecryptionResult.path, requestID: id, deadline: .seconds(decryption.waitSeconds),
                as: Kms_V1_PublicDecryptionResponse.self, report: { _ in })
            let agreement = try PublicDecryptionAgreement.check(
                answers, handles: files.handles, types: files.types, signers: await calls.signerAddresses(),
                domain: try calls.signingDomain(), threshold: configuration.threshold)
            if decryption.json {
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
