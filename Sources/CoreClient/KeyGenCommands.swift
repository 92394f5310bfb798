import ArgumentParser
import Foundation
import KMSAPI
import Signatures
import SwiftProtobuf

/// Options of the commands that generate something.
struct GenerationOptions: ParsableArguments {
    @Option(help: "FHE parameter set: 'test' (small, INSECURE, for tests) or 'default' (production).")
    var params: String = "default"

    @Option(name: .customLong("request-id"), help: "The request id to use (64 lower-case hex digits); random if omitted.")
    var requestID: String?

    @Option(name: .customLong("wait-seconds"), help: "How long to wait for the cores to finish.")
    var waitSeconds: Int = 3600

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    func parameterSet() throws(ClientError) -> Kms_V1_FheParameterSet {
        switch params {
        case "default": return .default
        case "test": return .test
        default: throw .usage("--params: '\(params)' is not 'test' or 'default'")
        }
    }
}

/// Prints the running cores' progress as one line on stderr per poll.
func progressLine(_ running: [String]) {
    FileHandle.standardError.write(Data(("waiting: " + running.joined(separator: " | ") + "\n").utf8))
}

/// Loads the configuration or exits 2 with one line.
func loadConfiguration(_ options: ClientOptions) throws -> ClientConfiguration {
    guard options.timeout > 0 else {
        printError("--timeout: must be at least 1 second")
        throw ExitCode(2)
    }
    guard let path = options.config else {
        printError("--config: missing (the client TOML configuration naming the cores)")
        throw ExitCode(2)
    }
    do {
        return try ClientConfiguration.load(path: path)
    } catch {
        printError("\(error)")
        throw ExitCode(2)
    }
}

/// Runs a command body; a ClientError becomes one line on stderr and exit status 1.
func reportingFailure(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        printError("\(error)")
        throw ExitCode(1)
    }
}

/// Sends a start request to every core; fails unless every core accepted it.
func startEverywhere<Request: SwiftProtobuf.Message>(_ calls: ClusterCalls, method: String, _ request: Request, what: String) async throws {
    let answers = await calls.callAll(method: method, request, as: Kms_V1_Empty.self)
    let refused = answers.compactMap { answer -> String? in
        if case .failure(let error) = answer.result { return "\(error)" }
        return nil
    }
    if refused.count > calls.configuration.threshold || refused.count == answers.count {
        throw ClientError.core(party: 0, "\(what) refused: " + refused.joined(separator: "; "))
    }
    for line in refused { printError("warning: \(line)") }
}

/// `kms-core-client preproc`: KeyGenPreproc on every core, then the signed results.
struct PreprocCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preproc",
        abstract: "Run the key-generation preprocessing on every core and wait for it; prints its id.")

    @OptionGroup var options: ClientOptions
    @OptionGroup var generation: GenerationOptions
    @Flag(name: .customLong("multi-bit"),
          help: "Prepare a multi-bit bootstrapping key (pairs of key bits: faster bootstrapping, a 1.5x larger key and preprocessing).")
    var multiBit = false

    func run() async throws {
        let configuration = try loadConfiguration(options)
        try await reportingFailure {
            let calls = ClusterCalls(configuration: configuration, timeout: .seconds(options.timeout))
            let id = try requestID(generation.requestID)
            var request = Kms_V1_KeyGenPreprocRequest()
            request.requestID.requestID = id
            request.params = try generation.parameterSet()
            request.multiBitBootstrapping = multiBit
            request.domain = calls.protoDomain
            try await startEverywhere(calls, method: CoreServiceMethod.keyGenPreproc.path, request, what: "KeyGenPreproc")
            let answers = try await calls.pollAll(
                method: CoreServiceMethod.getKeyGenPreprocResult.path, requestID: id, deadline: .seconds(generation.waitSeconds),
                as: Kms_V1_KeyGenPreprocResult.self, report: progressLine)
            let signers = await calls.signerAddresses()
            let domain = try calls.signingDomain()
            let message = try PrepKeygenVerification(prepKeygenId: hexBytes(id))
            var signed: [[String: Any]] = [], dissent: [[String: Any]] = []
            for (core, result) in answers {
                switch result {
                case .failure(let error): dissent.append(["party_id": core.partyId, "reason": "\(error)"])
                case .success(let answer):
                    let signature = try? RecoverableSignature(bytes: Array(answer.externalSignature))
                    if let signature, let address = signers[core.partyId], signature.verify(digest: message.digest(domain: domain), address: address) {
                        signed.append(["party_id": core.partyId, "address": address.checksummed, "signature": hexString(signature.bytes),
                                       "digest": hexString(answer.preprocessingDigest)])
                    } else {
                        dissent.append(["party_id": core.partyId, "reason": "signature does not verify"])
                    }
                }
            }
            guard signed.count >= configuration.threshold + 1 else {
                throw ClientError.noAgreement("preprocessing \(id): \(signed.count) core(s) finished with a valid signature, "
                    + "\(configuration.threshold + 1) needed: \(dissent.map { "core \($0["party_id"]!): \($0["reason"]!)" }.joined(separator: "; "))")
            }
            if generation.json {
                printJSON(["preproc_id": id, "signatures": signed, "dissent": dissent])
            } else {
                print("preprocessing \(id) done: \(signed.count) core(s) signed")
                for entry in dissent { print("  core \(entry["party_id"]!) disagrees: \(entry["reason"]!)") }
            }
        }
    }
}

/// `kms-core-client keygen` / `insecure-keygen`: start on every core, poll with a progress line, check that
/// t + 1 cores signed the same digests.
struct KeyGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a key set from a preprocessing (threshold) or directly (centralized); prints its id and digests.")

    @OptionGroup var options: ClientOptions
    @OptionGroup var generation: GenerationOptions

    @Option(name: .customLong("preproc-id"), help: "The preprocessing to consume (required by threshold cores).")
    var preprocessingID: String?

    func run() async throws {
        let configuration = try loadConfiguration(options)
        try await reportingFailure {
            try await runKeyGeneration(
                configuration: configuration, options: options, generation: generation,
                preprocessingID: try preprocessingID.map { try requestID($0) }, insecure: false)
        }
    }
}

struct InsecureKeyGenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insecure-keygen",
        abstract: "TEST ONLY: generate a key set that every core knows in the clear (needs enable_insecure_service).")

    @OptionGroup var options: ClientOptions
    @OptionGroup var generation: GenerationOptions

    func run() async throws {
        let configuration = try loadConfiguration(options)
        try await reportingFailure {
            try await runKeyGeneration(configuration: configuration, options: options, generation: generation, preprocessingID: nil, insecure: true)
        }
    }
}

func runKeyGeneration(
    configuration: ClientConfiguration, options: ClientOptions, generation: GenerationOptions, preprocessingID: String?, insecure: Bool
) async throws {
    let calls = ClusterCalls(configuration: configuration, timeout: .seconds(options.timeout))
    let id = try requestID(generation.requestID)
    var request = Kms_V1_KeyGenRequest()
    request.requestID.requestID = id
    request.params = try generation.parameterSet()
    request.domain = calls.protoDomain
    if let preprocessingID { request.preprocID.requestID = preprocessingID }
    let start = insecure ? InsecureCoreServiceMethod.insecureKeyGen.path : CoreServiceMethod.keyGen.path
    let result = insecure ? InsecureCoreServiceMethod.getInsecureKeyGenResult.path : CoreServiceMethod.getKeyGenResult.path
    let clock = ContinuousClock(), began = clock.now
    try await startEverywhere(calls, method: start, request, what: insecure ? "InsecureKeyGen" : "KeyGen")
    let answers = try await calls.pollAll(
        method: result, requestID: id, deadline: .seconds(generation.waitSeconds), as: Kms_V1_KeyGenResult.self, report: progressLine)
    let agreement = try KeyGenAgreement.check(
        answers, keyID: id, signers: await calls.signerAddresses(), domain: try calls.signingDomain(), threshold: configuration.threshold)
    let elapsed = clock.now - began
    if generation.json {
        var object = agreement.json
        object["seconds"] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        printJSON(object)
    } else {
        agreement.printText()
        print("took \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
    }
}
