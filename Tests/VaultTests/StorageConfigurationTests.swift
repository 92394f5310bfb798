import Testing
@testable import Vault

@Suite struct StorageConfigurationTests {
    @Test func fileConfigurationOpensALockedFileStore() async throws {
        let directory = TestSupport.temporaryDirectory("cfg")
        defer { TestSupport.removeDirectory(directory) }
        let backend = try StorageConfiguration.file(directory: directory).makeBackend()
        #expect(backend.location == "file:" + directory)
        #expect(backend is FileStorage)
        #expect(throws: VaultError.storeLocked(path: directory)) { try StorageConfiguration.file(directory: directory).makeBackend() }
        (backend as? FileStorage)?.close()
    }

    @Test func s3ConfigurationIsValidatedAndHidesTheSecret() throws {
        let credentials = S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "very-secret-value")
        let configuration = S3Configuration(bucket: "kms-core-1", region: "eu-west-1", credentials: credentials)
        let backend = try StorageConfiguration.s3(configuration).makeBackend()
        #expect(backend.location == "s3://kms-core-1/")
        #expect(!"\(configuration) \(credentials)".contains("very-secret-value"))
        var bad = configuration
        bad.bucket = "no"
        #expect(throws: VaultError.self) { try StorageConfiguration.s3(bad).makeBackend() }
    }
}
