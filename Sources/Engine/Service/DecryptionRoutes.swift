import KMSAPI
import Logging
import SwiftProtobuf

/// The decryption RPCs of kms.v1.CoreServiceEndpoint (PublicDecrypt, GetPublicDecryptionResult, PublicDecryptSync,
/// UserDecrypt, GetUserDecryptionResult, UserDecryptSync) on `DecryptionService`.
struct DecryptionRoutes: Sendable {
    let decryption: DecryptionService
    let logger: Logger

    func routes() -> [UnaryRoute] {
        [
            route(CoreServiceMethod.publicDecrypt) { (request: Kms_V1_PublicDecryptionRequest) -> Kms_V1_Empty in
                try await decryption.startPublic(request)
                return Kms_V1_Empty()
            },
            route(CoreServiceMethod.getPublicDecryptionResult) { (request: Kms_V1_RequestId) -> Kms_V1_PublicDecryptionResponse in
                try await decryption.publicResult(try RequestIdentifier(validating: request.requestID, field: "request_id"))
            },
            route(CoreServiceMethod.publicDecryptSync) { (request: Kms_V1_PublicDecryptionRequest) -> Kms_V1_PublicDecryptionResponse in
                try await decryption.publicDecryptNow(request)
            },
            route(CoreServiceMethod.userDecrypt) { (request: Kms_V1_UserDecryptionRequest) -> Kms_V1_Empty in
                try await decryption.startUser(request)
                return Kms_V1_Empty()
            },
            route(CoreServiceMethod.getUserDecryptionResult) { (request: Kms_V1_RequestId) -> Kms_V1_UserDecryptionResponse in
                try await decryption.userResult(try RequestIdentifier(validating: request.requestID, field: "request_id"))
            },
            route(CoreServiceMethod.userDecryptSync) { (request: Kms_V1_UserDecryptionRequest) -> Kms_V1_UserDecryptionResponse in
                try await decryption.userDecryptNow(request)
            },
        ]
    }

    private func route<Method: GRPCServiceMethod, Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: Method, _ body: @escaping @Sendable (Request) async throws -> Response
    ) -> UnaryRoute {
        UnaryRoute.typed(path: method.path, logger: logger) { (request: Request, _) in try await body(request) }
    }
}
