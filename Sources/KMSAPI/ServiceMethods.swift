/// A method of one gRPC service: its raw value is the method name as the .proto file declares it.
public protocol GRPCServiceMethod: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    static var serviceName: String { get }
}

extension GRPCServiceMethod {
    /// "/<package>.<Service>/<Method>", the path on the wire.
    public var path: String { "/\(Self.serviceName)/\(rawValue)" }
}

/// The full gRPC method paths of the services in proto/, so that servers register and clients call
/// exactly the names the .proto files declare (protoc-gen-swift generates messages only).
public enum CoreServiceMethod: String, GRPCServiceMethod {
    case keyGenPreproc = "KeyGenPreproc"
    case getKeyGenPreprocResult = "GetKeyGenPreprocResult"
    case keyGen = "KeyGen"
    case getKeyGenResult = "GetKeyGenResult"
    case abortKeyGen = "AbortKeyGen"
    case publicDecrypt = "PublicDecrypt"
    case getPublicDecryptionResult = "GetPublicDecryptionResult"
    case publicDecryptSync = "PublicDecryptSync"
    case userDecrypt = "UserDecrypt"
    case getUserDecryptionResult = "GetUserDecryptionResult"
    case userDecryptSync = "UserDecryptSync"
    case crsGen = "CrsGen"
    case getCrsGenResult = "GetCrsGenResult"
    case abortCrsGen = "AbortCrsGen"
    case newMpcContext = "NewMpcContext"
    case destroyMpcContext = "DestroyMpcContext"
    case newMpcEpoch = "NewMpcEpoch"
    case getEpochResult = "GetEpochResult"
    case destroyMpcEpoch = "DestroyMpcEpoch"
    case newCustodianContext = "NewCustodianContext"
    case custodianRecoveryInit = "CustodianRecoveryInit"
    case custodianBackupRecovery = "CustodianBackupRecovery"
    case getOperatorPublicKey = "GetOperatorPublicKey"
    case getKeyMaterialAvailability = "GetKeyMaterialAvailability"
    case getPublicObject = "GetPublicObject"
    case getHealthStatus = "GetHealthStatus"
    case bandwidthBenchmark = "BandwidthBenchmark"

    public static let serviceName = "kms.v1.CoreServiceEndpoint"
}

/// Test-only service, registered only when the core's config enables it.
public enum InsecureCoreServiceMethod: String, GRPCServiceMethod {
    case insecureKeyGen = "InsecureKeyGen"
    case getInsecureKeyGenResult = "GetInsecureKeyGenResult"
    case insecureCrsGen = "InsecureCrsGen"
    case getInsecureCrsGenResult = "GetInsecureCrsGenResult"
    case insecureMpcSelfTest = "InsecureMpcSelfTest"

    public static let serviceName = "kms.v1.InsecureCoreServiceEndpoint"
}

/// The cores' own service (proto/mpc/v1/peer.proto), never exposed to clients.
public enum PeerServiceMethod: String, GRPCServiceMethod {
    case deliver = "Deliver"
    case ping = "Ping"
    case deliverBatch = "DeliverBatch"
    case echo = "Echo"
    case stream = "Stream"

    public static let serviceName = "mpc.v1.PeerService"
}

/// The standard grpc.health.v1 service.
public enum HealthServiceMethod: String, GRPCServiceMethod {
    case check = "Check"
    case watch = "Watch"

    public static let serviceName = "grpc.health.v1.Health"
}

/// The standard server reflection service (grpc.reflection.v1, proto/grpc/reflection/v1/reflection.proto).
public enum ServerReflectionMethod: String, GRPCServiceMethod {
    case serverReflectionInfo = "ServerReflectionInfo"

    public static let serviceName = "grpc.reflection.v1.ServerReflection"
    /// The same protocol under its pre-release name, which older clients (grpcio-reflection's descriptor
    /// database, grpcurl's fallback) still call.
    public static let alphaServiceName = "grpc.reflection.v1alpha.ServerReflection"
    /// "/grpc.reflection.v1alpha.ServerReflection/<Method>".
    public var alphaPath: String { "/\(Self.alphaServiceName)/\(rawValue)" }
}
