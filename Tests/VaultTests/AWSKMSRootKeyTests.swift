import Foundation
import Testing
@testable import Vault
import SecureMemory

/// AWS KMS root key against moto's KMS (KMS_TEST_MOTO_ENDPOINT; fails, never skips, when absent).
@Suite struct AWSKMSRootKeyTests {
    static func client() throws -> AWSKMSClient {
        try AWSKMSClient(region: "us-east-1", credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"),
                         endpoint: try TestSupport.motoEndpoint(), allowInsecureHTTP: true)
    }

    static func freshKey() async throws -> AWSKMSRootKey {
        let client = try client()
        let keyID = try await client.createKey(description: "vault test \(UUID().uuidString)")
        return try AWSKMSRootKey(client: client, keyID: keyID)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test func wrapUnwrapRoundTripsRandomKeys() async throws {
        let rootKey = try await Self.freshKey()
        for size in [16, 32, 32, 64] {
            let dataKey = SecretBytes.random(count: size)
            let associatedData = TestSupport.randomBytes(Int.random(in: 0...80))
            let wrapped = try await rootKey.wrap(dataKey: dataKey, associatedData: associatedData)
            #expect(wrapped.count > size)
            let plain = dataKey.withUnsafeBytes { Array($0) }
            #expect(!Self.contains(wrapped, plain))
            let unwrapped = try await rootKey.unwrap(wrapped, associatedData: associatedData)
            #expect(unwrapped.constantTimeEquals(dataKey))
        }
    }

    @Test func generateDataKeyUnwrapsToTheSameKey() async throws {
        let rootKey = try await Self.freshKey()
        let (dataKey, wrapped) = try await rootKey.generateDataKey(associatedData: Array("obj-1".utf8))
        #expect(dataKey.count == 32)
        #expect(try await rootKey.unwrap(wrapped, associatedData: Array("obj-1".utf8)).constantTimeEquals(dataKey))
        let (other, _) = try await rootKey.generateDataKey(associatedData: Array("obj-1".utf8))
        #expect(!other.constantTimeEquals(dataKey))
    }

    @Test func anotherEncryptionContextIsRefused() async throws {
        let rootKey = try await Self.freshKey()
        let wrapped = try await rootKey.wrap(dataKey: SecretBytes.random(count: 32), associatedData: Array("private/share/a".utf8))
        await #expect(throws: VaultError.kmsInvalidCiphertext(keyID: rootKey.keyID)) {
            _ = try await rootKey.unwrap(wrapped, associatedData: Array("private/share/b".utf8))
        }
        var tampered = wrapped
        tampered[tampered.count - 1] ^= 1
        await #expect(throws: VaultError.self) {
            _ = try await rootKey.unwrap(tampered, associatedData: Array("private/share/a".utf8))
        }
    }

    @Test func ciphertextOfAnotherKeyIsRefused() async throws {
        let first = try await Self.freshKey()
        let second = try await Self.freshKey()
        let wrapped = try await first.wrap(dataKey: SecretBytes.random(count: 32), associatedData: [7])
        await #expect(throws: VaultError.self) { _ = try await second.unwrap(wrapped, associatedData: [7]) }
    }

    @Test func unknownKeyIDIsATypedErrorNamingTheKey() async throws {
        let missing = "alias/no-such-vault-key-\(UInt32.random(in: 0...UInt32.max))"
        let rootKey = try AWSKMSRootKey(client: try Self.client(), keyID: missing)
        do {
            _ = try await rootKey.wrap(dataKey: SecretBytes.random(count: 32), associatedData: [1])
            Issue.record("wrap with an unknown key id succeeded")
        } catch let error as VaultError {
            guard case .kmsKeyNotFound(let keyID, _) = error else {
                Issue.record("expected kmsKeyNotFound, got \(error)")
                return
            }
            #expect(keyID == missing)
            #expect(error.description.contains(missing))
            #expect(error.description.contains("not found"))
        }
    }

    @Test func vaultStoreWithKMSRootKeyRoundTripsAndBindsObjectIDs() async throws {
        let directory = TestSupport.temporaryDirectory("kms")
        defer { TestSupport.removeDirectory(directory) }
        let rootKey = try await Self.freshKey()
        let store = VaultStore(backend: try FileStorage(root: directory + "/store"), rootKey: rootKey)
        let secret = SecretBytes(TestSupport.randomBytes(300))
        let id = try ObjectID(kind: "share", name: "k1")
        try await store.putPrivate(secret, id: id)
        #expect(try await store.getPrivate(id).constantTimeEquals(secret))
    }

    /// Issue 15 item 2: KMS answers carry data keys, so an http endpoint is refused unless marked as a test endpoint.
    @Test func httpEndpointIsRefusedUnlessMarkedAsATestEndpoint() throws {
        let credentials = S3Credentials(accessKeyID: "a", secretAccessKey: "b")
        for endpoint in ["http://kms.example.com", "http://127.0.0.1:5055"] {
            #expect {
                _ = try AWSKMSClient(region: "us-east-1", credentials: credentials, endpoint: endpoint)
            } throws: { error in
                guard case .invalidConfiguration(let why)? = error as? VaultError else { return false }
                return why.contains("http") && why.contains("in the clear")
            }
        }
        #expect(try AWSKMSClient(region: "us-east-1", credentials: credentials, endpoint: "http://127.0.0.1:5055",
                                 allowInsecureHTTP: true).allowInsecureHTTP)
        #expect(try AWSKMSClient(region: "us-east-1", credentials: credentials, endpoint: "https://kms.example.com").endpoint
            == "https://kms.example.com")
        #expect(try AWSKMSClient(region: "eu-west-3", credentials: credentials).endpoint == "https://kms.eu-west-3.amazonaws.com")
    }

    @Test func unreachableEndpointIsATypedError() async throws {
        let client = try AWSKMSClient(region: "us-east-1", credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"),
                                      endpoint: "http://127.0.0.1:9", maxAttempts: 2, requestTimeoutSeconds: 5,
                                      allowInsecureHTTP: true)
        let rootKey = try AWSKMSRootKey(client: client, keyID: "k")
        do {
            _ = try await rootKey.wrap(dataKey: SecretBytes.random(count: 32), associatedData: [])
            Issue.record("wrap against a closed port succeeded")
        } catch let error as VaultError {
            guard case .kmsUnreachable = error else { Issue.record("expected kmsUnreachable, got \(error)"); return }
        }
    }
}
