import SecureMemory
/// A key-encryption key that wraps and unwraps data keys (DESIGN §5).
public protocol RootKeySource: Sendable {
    var kind: String { get }                       // "password", "file", "aws-kms", "enclave" — for logs, no secrets
    func wrap(dataKey: SecretBytes, associatedData: [UInt8]) async throws -> [UInt8]
    func unwrap(_ wrapped: [UInt8], associatedData: [UInt8]) async throws -> SecretBytes
}
