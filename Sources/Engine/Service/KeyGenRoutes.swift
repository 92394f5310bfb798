import Foundation
import KMSAPI
import Logging
import SwiftProtobuf

/// The key-generation RPCs of kms.v1.CoreServiceEndpoint (KeyGenPreproc, KeyGen and their results, AbortKeyGen,
/// GetOperatorPublicKey, GetPublicObject) and of the insecure endpoint (InsecureKeyGen), on `KeyGenerationService`.
struct KeyGenRoutes: Sendable {
    let service: KeyGenerationService
    let logger: Logger

    /// Public objects travel in chunks below the default 4 MiB message limit.
    static let chunkBytes = 3 << 20

    func routes() -> [UnaryRoute] {
        [
            route(CoreServiceMethod.keyGenPreproc) { (request: Kms_V1_KeyGenPreprocRequest) -> Kms_V1_Empty in
                try await service.startPreprocessing(request)
                return Kms_V1_Empty()
            },
            route(CoreServiceMethod.getKeyGenPreprocResult) { (request: Kms_V1_RequestId) -> Kms_V1_KeyGenPreprocResult in
                try await service.preprocessingResult(try RequestIdentifier(validating: request.requestID, field: "request_id"))
            },
            route(CoreServiceMethod.keyGen) { (request: Kms_V1_KeyGenRequest) -> Kms_V1_Empty in
                try await service.startKeyGeneration(request, insecure: false)
                return Kms_V1_Empty()
            },
            route(CoreServiceMethod.getKeyGenResult) { (request: Kms_V1_RequestId) -> Kms_V1_KeyGenResult in
                try await service.keyGenerationResult(try RequestIdentifier(validating: request.requestID, field: "request_id"), insecure: false)
            },
            route(CoreServiceMethod.abortKeyGen) { (request: Kms_V1_RequestId) -> Kms_V1_Empty in
                try await service.abortKeyGeneration(try RequestIdentifier(validating: request.requestID, field: "request_id"))
                return Kms_V1_Empty()
            },
            route(CoreServiceMethod.getOperatorPublicKey) { (_: Kms_V1_Empty) -> Kms_V1_OperatorPublicKey in
                var answer = Kms_V1_OperatorPublicKey()
                answer.publicKey = Data(service.signer.key.publicKey)
                answer.address = service.signer.key.address.checksummed
                answer.partyID = UInt32(await service.partyID)
                return answer
            },
            route(CoreServiceMethod.getPublicObject) { (request: Kms_V1_PublicObjectRequest) -> Kms_V1_PublicObjectChunk in
                let keyID = try RequestIdentifierChecks.required(request.keyID, present: request.hasKeyID, field: "key_id")
                guard let type = KeyStore.ObjectType(rawValue: request.objectType) else {
                    throw EngineError.invalidArgument(
                        "object_type: '\(request.objectType)' is not one of \(KeyStore.ObjectType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let store = service.store else { throw EngineError.notFound("this core stores no keys (no [vault])") }
                let bytes = try await store.publicObject(keyID: keyID.hex, type: type, fromStart: request.offset == 0)
                guard request.offset <= UInt64(bytes.count) else {
                    throw EngineError.invalidArgument("offset: \(request.offset) is past the end (\(bytes.count) bytes)")
                }
                let start = Int(request.offset), end = min(bytes.count, start + Self.chunkBytes)
                var chunk = Kms_V1_PublicObjectChunk()
                chunk.data = Data(bytes[start..<end])
                chunk.totalSize = UInt64(bytes.count)
                return chunk
            },
        ]
    }

    func insecureRoutes() -> [UnaryRoute] {
        [
            route(InsecureCoreServiceMethod.insecureKeyGen) { (request: Kms_V1_KeyGenRequest) -> Kms_V1_Empty in
                try await service.startKeyGeneration(request, insecure: true)
                return Kms_V1_Empty()
            },
            route(InsecureCoreServiceMethod.getInsecureKeyGenResult) { (request: Kms_V1_RequestId) -> Kms_V1_KeyGenResult in
                try await service.keyGenerationResult(try RequestIdentifier(validating: request.requestID, field: "request_id"), insecure: true)
            },
        ]
    }

    private func route<Method: GRPCServiceMethod, Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: Method, _ body: @escaping @Sendable (Request) async throws -> Response
    ) -> UnaryRoute {
        UnaryRoute.typed(path: method.path, logger: logger) { (request: Request, _) in try await body(request) }
    }
}
