import KMSAPI
import Logging
import SwiftProtobuf

/// The public-decryption RPCs of kms.v1.CoreServiceEndpoint (PublicDecrypt, GetPublicDecryptionResult,
/// PublicDecryptSync) on `PublicDecryptionService`.
struct DecryptionRoutes: Sendable {
    let publicDecryption: PublicDecryptionService
    let logger: Logger

    func routes() -> [UnaryRoute] {
        [
            route(CoreServiceMethod.publicDecrypt) { (request: Kms_V1_PublicDecryptionRequest) -> Kms_V1_Empty in
                try await publicDecryption.start(request)
                return Kms_V1_Empty()
            },
            route(CoreServiceMethod.getPublicDecryptionResult) { (request: Kms_V1_RequestId) -> Kms_V1_PublicDecryptionResponse in
                try await publicDecryption.result(try RequestIdentifier(validating: request.requestID, field: "request_id"))
            },
            route(CoreServiceMethod.publicDecryptSync) { (request: Kms_V1_PublicDecryptionRequest) -> Kms_V1_PublicDecryptionResponse in
                try await publicDecryption.decryptNow(request)
            },
        ]
    }

    private func route<Method: GRPCServiceMethod, Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: Method, _ body: @escaping @Sendable (Request) async throws -> Response
    ) -> UnaryRoute {
        UnaryRoute.typed(path: method.path, logger: logger) { (request: Request, _) in try await body(request) }
    }
}
