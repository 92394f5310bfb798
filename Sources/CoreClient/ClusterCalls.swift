import Foundation
import GRPCCore
import KMSAPI
import Signatures
import SwiftProtobuf

/// Typed unary calls to every configured core at once, and the shared pieces of the commands that use them.
struct ClusterCalls: Sendable {
    let configuration: ClientConfiguration
    let timeout: Duration

    /// One core's typed answer or its error line.
    typealias Answer<Response> = (core: ClientConfiguration.Core, result: Result<Response, ClientError>)

    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ core: ClientConfiguration.Core, method: String, _ request: Request, as: Response.Type = Response.self
    ) async -> Result<Response, ClientError> {
        do {
            let channel = try GRPCChannel(configuration: GRPCChannelConfiguration(target: core.address, tls: configuration.tls))
            defer { channel.close() }
            let bytes: [UInt8] = try request.serializedBytes()
            let answer = try await channel.unary(method: method, request: bytes, timeout: timeout)
            return .success(try Response(serializedBytes: answer))
        } catch let status as GRPCStatus {
            return .failure(.core(party: core.partyId, "\(status.code): \(status.message)"))
        } catch {
            return .failure(.core(party: core.partyId, "invalid answer (\(error))"))
        }
    }

    /// The same request to every core, concurrently; answers sorted by party id.
    func callAll<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        method: String, _ request: Request, as: Response.Type = Response.self
    ) async -> [Answer<Response>] {
        await withTaskGroup(of: Answer<Response>.self) { group in
            for core in configuration.cores {
                group.addTask { (core, await call(core, method: method, request, as: Response.self)) }
            }
            var answers: [Answer<Response>] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.core.partyId < $1.core.partyId }
        }
    }

    /// Polls `method` on every core until none answers UNAVAILABLE (or `deadline` passes); `report` sees the
    /// progress lines (one per running core) after each round.
    func pollAll<Response: SwiftProtobuf.Message>(
        method: String, requestID: String, deadline: Duration, as: Response.Type = Response.self,
        report: ([String]) -> Void
    ) async throws -> [Answer<Response>] {
        var request = Kms_V1_RequestId()
        request.requestID = requestID
        let clock = ContinuousClock(), end = clock.now + deadline
        var interval = Duration.milliseconds(200)
        while true {
            let answers = await callAll(method: method, request, as: Response.self)
            let running = answers.compactMap { answer -> String? in
                if case .failure(.core(let party, let message)) = answer.result, message.lowercased().hasPrefix("unavailable") {
                    return "core \(party): \(message)"
                }
                return nil
            }
            if running.isEmpty || clock.now >= end { return answers }
            report(running)
            try await Task.sleep(for: interval)
            interval = min(interval * 2, .seconds(2))
        }
    }

    /// Each core's signing address: pinned in the configuration, else the one it announces.
    func signerAddresses() async -> [Int: EthereumAddress] {
        var addresses: [Int: EthereumAddress] = [:]
        let announced = await callAll(method: CoreServiceMethod.getOperatorPublicKey.path, Kms_V1_Empty(), as: Kms_V1_OperatorPublicKey.self)
        for (core, result) in announced {
            if let pinned = core.signerAddress { addresses[core.partyId] = try? EthereumAddress(hex: pinned); continue }
            if case .success(let key) = result, let address = try? EthereumAddress(publicKey: Array(key.publicKey)) {
                addresses[core.partyId] = address
            }
        }
        return addresses
    }

    var protoDomain: Kms_V1_Eip712Domain {
        var domain = Kms_V1_Eip712Domain()
        domain.name = configuration.domain.name
        domain.version = configuration.domain.version
        var chain = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 { chain[31 - i] = UInt8(truncatingIfNeeded: configuration.domain.chainId >> UInt64(8 * i)) }
        domain.chainID = Data(chain)
        domain.verifyingContract = configuration.domain.verifyingContract
        return domain
    }

    /// The domain as the cores sign under it (name and version always present, as the cores read the request).
    func signingDomain() throws(ClientError) -> EIP712Domain {
        do {
            return try EIP712Domain(
                name: configuration.domain.name, version: configuration.domain.version, chainId: configuration.domain.chainId,
                verifyingContract: try EthereumAddress(hex: configuration.domain.verifyingContract))
        } catch {
            throw .configuration("eip712: \(error)")
        }
    }
}

/// A fresh random request id (32 bytes as 64 lower-case hex digits), or the one given after checking it.
func requestID(_ given: String?) throws(ClientError) -> String {
    if let given {
        guard given.utf8.count == 64, given.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw .usage("a request id is 64 lower-case hex digits without 0x, got '\(given)'")
        }
        return given
    }
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
}

func hexBytes(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex, let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) {
        if let byte = UInt8(text[index..<next], radix: 16) { bytes.append(byte) }
        index = next
    }
    return bytes
}

func hexString(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// Prints a JSON object (sorted keys) on stdout.
func printJSON(_ object: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) {
        print(String(decoding: data, as: UTF8.self))
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("kms-core-client: \(message)\n".utf8))
}
