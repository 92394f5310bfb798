import KMSAPI
import Logging
import SwiftProtobuf

/// kms.v1.InsecureCoreServiceEndpoint: test-only key and CRS generation by one core. Registered only when
/// `service.enable_insecure_service` is true; InsecureKeyGen lives in `KeyGenRoutes`; CRS generation validates and answers UNIMPLEMENTED.
struct InsecureServiceRoutes: Sendable {
    let engine: ThresholdEngine?
    let logger: Logger

    func routes() -> [UnaryRoute] {
        typealias Check = RequestIdentifierChecks
        typealias Method = InsecureCoreServiceMethod
        func notBuilt<Request: SwiftProtobuf.Message>(
            _ method: Method, _ validate: @escaping @Sendable (Request) throws(EngineError) -> Void
        ) -> UnaryRoute {
            UnaryRoute.notBuilt(path: method.path, name: method.rawValue, logger: logger, validate)
        }
        return [
            notBuilt(.insecureCrsGen) { (request: Kms_V1_CrsGenRequest) throws(EngineError) in
                try Check.required(request.requestID, present: request.hasRequestID, field: "request_id")
            },
            notBuilt(.getInsecureCrsGenResult) { (request: Kms_V1_RequestId) throws(EngineError) in
                _ = try RequestIdentifier(validating: request.requestID, field: "request_id")
            },
            UnaryRoute.typed(path: Method.insecureMpcSelfTest.path, logger: logger) {
                [engine] (request: Kms_V1_MpcSelfTestRequest, _) -> Kms_V1_MpcSelfTestResult in
                let requestID = try Check.required(request.requestID, present: request.hasRequestID, field: "request_id")
                let epochID = try Check.optional(request.epochID, present: request.hasEpochID, field: "epoch_id")
                guard let engine else { throw EngineError.aborted("the MPC self test needs a threshold core") }
                return try await engine.selfTest(request, requestID: requestID, epochID: epochID)
            },
        ]
    }
}
