import Foundation
import NIOHTTP1
import Testing
@testable import Vault
import SecureMemory

/// S3 backend tests against moto's server (`KMS_TEST_MOTO_ENDPOINT`, see BRIEF); they fail when it is absent.
@Suite struct S3StorageTests {
    static func configuration(bucket: String, endpoint: String,
                              style: S3Configuration.AddressingStyle = .path) -> S3Configuration {
        S3Configuration(bucket: bucket, region: "us-east-1", endpoint: endpoint, addressingStyle: style,
                        keyPrefix: "core-1/",
                        credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"),
                        maxAttempts: 3, initialBackoffMilliseconds: 20)
    }

    static func freshBucket() -> String { "vault-test-" + UUID().uuidString.lowercased().prefix(13) }

    @Test func roundTripsThroughMoto() async throws {
        let endpoint = try TestSupport.motoEndpoint()
        let storage = try S3Storage(configuration: Self.configuration(bucket: Self.freshBucket(), endpoint: endpoint))
        try await storage.createBucket()
        let directory = TestSupport.temporaryDirectory("s3")
        defer { TestSupport.removeDirectory(directory) }
        let (rootKey, _) = try TestSupport.makeFileRootKey(in: directory)
        let store = VaultStore(backend: storage, rootKey: rootKey)
        for size in [0, 1, 1000, 300_000] {
            let bytes = TestSupport.randomBytes(size)
            let id = try ObjectID(kind: "server-key", name: "object-\(size)")
            try await store.putPublic(bytes, id: id)
            try await store.putPrivate(SecretBytes(bytes), id: id)
            #expect(try await store.getPublic(id) == bytes)
            #expect(try await store.getPrivate(id).withUnsafeBytes { Array($0) } == bytes)
        }
        #expect(try await store.list(kind: "server-key", objectClass: .public).map(\.name)
            == ["object-0", "object-1", "object-1000", "object-300000"])
        let id = try ObjectID(kind: "server-key", name: "object-1")
        #expect(try await store.exists(id, objectClass: .private))
        try await store.delete(id, objectClass: .private)
        #expect(try await !store.exists(id, objectClass: .private))
        await #expect(throws: VaultError.objectNotFound("private/server-key/object-1")) { try await store.getPrivate(id) }
        #expect(try await store.getPublic(id).count == 1)  // the public object of the same id is untouched
    }

    @Test func listingFollowsContinuationTokens() async throws {
        let endpoint = try TestSupport.motoEndpoint()
        let storage = try S3Storage(configuration: Self.configuration(bucket: Self.freshBucket(), endpoint: endpoint))
        try await storage.createBucket()
        // ListObjectsV2 returns at most 1000 keys per page; write more than that in parallel.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in 0..<10 {
                group.addTask {
                    for index in stride(from: batch, to: 1005, by: 10) {
                        try await storage.write([UInt8(index & 0xff)], id: ObjectID(kind: "crs", name: String(format: "c%04d", index)),
                                                objectClass: .public)
                    }
                }
            }
            try await group.waitForAll()
        }
        let names = try await storage.list(kind: "crs", objectClass: .public).map(\.name)
        #expect(names.count == 1005)
        #expect(names.first == "c0000" && names.last == "c1004")
    }

    @Test func missingBucketIsATypedError() async throws {
        let endpoint = try TestSupport.motoEndpoint()
        let storage = try S3Storage(configuration: Self.configuration(bucket: "vault-no-such-bucket-here", endpoint: endpoint))
        let id = try ObjectID(kind: "key-share", name: "x")
        await #expect(throws: VaultError.bucketNotFound("vault-no-such-bucket-here")) {
            try await storage.write([1], id: id, objectClass: .private)
        }
        await #expect(throws: VaultError.bucketNotFound("vault-no-such-bucket-here")) {
            try await storage.read(id: id, objectClass: .private)
        }
        await #expect(throws: VaultError.bucketNotFound("vault-no-such-bucket-here")) {
            try await storage.list(kind: "key-share", objectClass: .private)
        }
    }

    @Test func unreachableEndpointFailsAfterRetries() async throws {
        // Port 9 (discard) on loopback: nothing listens, so every attempt is refused.
        var configuration = Self.configuration(bucket: "vault-bucket", endpoint: "http://127.0.0.1:9")
        configuration.requestTimeoutSeconds = 1  // AsyncHTTPClient retries connecting until the deadline
        let storage = try S3Storage(configuration: configuration)
        do {
            _ = try await storage.read(id: ObjectID(kind: "key-share", name: "x"), objectClass: .private)
            Issue.record("read from a closed port succeeded")
        } catch let error as VaultError {
            guard case .s3Unreachable(let why) = error else { Issue.record("unexpected \(error)"); return }
            #expect(why.contains("after 3 attempts"))
        }
    }

    /// Wrong credentials: a second moto server started with IAM checks on (`INITIAL_NO_AUTH_ACTION_COUNT=0`)
    /// refuses the unknown access key; the vault reports a typed `accessDenied`.
    @Test func unknownCredentialsAreDenied() async throws {
        _ = try TestSupport.motoEndpoint()
        let motoServer = try TestSupport.executable("moto_server")
        let port = Int.random(in: 20_000...40_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: motoServer)
        server.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)  // moto_server ignores SIGTERM
            server.waitUntilExit()
        }
        var configuration = Self.configuration(bucket: "vault-denied", endpoint: "http://127.0.0.1:\(port)")
        configuration.maxAttempts = 1
        configuration.requestTimeoutSeconds = 2
        let storage = try S3Storage(configuration: configuration)
        var outcome: VaultError?
        for _ in 0..<80 {  // wait for the server to come up
            do {
                _ = try await storage.list(kind: "key-share", objectClass: .private)
            } catch let error as VaultError {
                if case .s3Unreachable = error {
                    try await Task.sleep(for: .milliseconds(250))
                    continue
                }
                outcome = error
            }
            break
        }
        guard let outcome, case .accessDenied(let code, let message) = outcome else {
            Issue.record("expected accessDenied, got \(String(describing: outcome))")
            return
        }
        #expect(code == "InvalidAccessKeyId")
        #expect(outcome.description.contains("S3 access denied (InvalidAccessKeyId)"))
        #expect(!message.isEmpty)
    }

    /// boto3 (code nobody here wrote) reads what the vault wrote: public objects are the plain bytes, private
    /// objects are ciphertext that does not contain the plaintext.
    @Test func boto3ReadsWhatTheVaultWrote() async throws {
        let endpoint = try TestSupport.motoEndpoint()
        let python = try TestSupport.python3()
        let bucket = Self.freshBucket()
        let storage = try S3Storage(configuration: Self.configuration(bucket: bucket, endpoint: endpoint))
        try await storage.createBucket()
        let directory = TestSupport.temporaryDirectory("boto")
        defer { TestSupport.removeDirectory(directory) }
        let (rootKey, _) = try TestSupport.makeFileRootKey(in: directory)
        let store = VaultStore(backend: storage, rootKey: rootKey)
        let publicBytes = Array("public key material: anyone may read this \(UUID())".utf8) + TestSupport.randomBytes(2000)
        let secret = Array("PRIVATE-SHARE-\(UUID())-".utf8) + TestSupport.randomBytes(500)
        let id = try ObjectID(kind: "public-key", name: "k1")
        try await store.putPublic(publicBytes, id: id)
        try await store.putPrivate(SecretBytes(secret), id: try ObjectID(kind: "key-share", name: "k1"))
        let script = """
            import os, sys, boto3
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
            bucket = sys.argv[2]
            public = s3.get_object(Bucket=bucket, Key="core-1/public/public-key/k1")["Body"].read()
            private = s3.get_object(Bucket=bucket, Key="core-1/private/key-share/k1")["Body"].read()
            expected_public = bytes.fromhex(sys.argv[3])
            secret = bytes.fromhex(sys.argv[4])
            keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
            if public != expected_public: sys.exit("public object differs from the plain bytes")
            if secret in private or secret[:16] in private: sys.exit("private object contains the plaintext")
            if not private.startswith(b"KMSV"): sys.exit("private object is not a vault envelope")
            if len(private) < len(secret) + 16: sys.exit("private object too short to hold the ciphertext")
            print("OK", len(public), len(private), ",".join(keys))
            """
        let scriptPath = directory + "/read_vault.py"
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let result = try TestSupport.run(python, [scriptPath, endpoint, bucket, SigV4Signer.hex(publicBytes), SigV4Signer.hex(secret)])
        #expect(result.status == 0, "boto3 check failed: \(result.standardError)")
        #expect(result.standardOutput.hasPrefix("OK \(publicBytes.count) "))
        #expect(result.standardOutput.contains("core-1/private/key-share/k1,core-1/public/public-key/k1"))
    }

    /// Issue 15 item 4: the signature S3Storage computes for a key with reserved characters (it signs
    /// `address(key:).path`) equals botocore's S3 SigV4 for the URL it sends — code we did not write. moto does
    /// not check signatures, so this is the test that would catch a double encoding.
    @Test func signatureOfReservedCharacterKeysMatchesBotocore() throws {
        let script = """
            import sys
            from botocore.auth import S3SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            url, host, amz_date, payload_hash = sys.argv[1:5]
            request = AWSRequest(method="GET", url=url, headers={"host": host, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash})
            request.context["timestamp"] = amz_date
            auth = S3SigV4Auth(Credentials("testing", "testing"), "s3", "us-east-1")
            print(auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request))
            """
        let signer = SigV4Signer(accessKeyID: "testing", secretAccessKey: "testing", region: "us-east-1")
        let emptyHash = SigV4Signer.payloadHash([])
        for style in [S3Configuration.AddressingStyle.path, .virtualHost] {
            let storage = try S3Storage(configuration: Self.configuration(bucket: "my-bucket", endpoint: "http://127.0.0.1:5055", style: style))
            for key in ["core 1+a=b~ü/public/k", "p/x=y+z", "ሴ/a b", "plain/key"] {
                let address = storage.address(key: key)
                let headers = signer.sign(method: "GET", path: address.path, query: [], headers: [("host", address.hostHeader)],
                                          payloadHash: emptyHash, date: 1_795_000_000)
                let ours = headers.first { $0.0 == "Authorization" }?.1.components(separatedBy: "Signature=").last
                let amzDate = try #require(headers.first { $0.0 == "x-amz-date" }?.1)
                let result = try TestSupport.run(try TestSupport.python3(), ["-c", script, address.url, address.hostHeader, amzDate, emptyHash])
                #expect(result.status == 0, "botocore failed: \(result.standardError)")
                #expect(ours == result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), "\(style) \(key)")
            }
        }
    }

    /// Issue 15 item 4: a prefix with reserved characters (space, '+', '=', '~', non-ASCII) is percent-encoded once,
    /// so moto's S3 accepts the signature and the keys it lists are the ones written.
    @Test(arguments: ["core 1+a=b~c/", "tenant=ü+é/core 1/", "~x y+z=ሴ/"])
    func prefixWithReservedCharactersRoundTripsThroughMoto(prefix: String) async throws {
        var configuration = Self.configuration(bucket: Self.freshBucket(), endpoint: try TestSupport.motoEndpoint())
        configuration.keyPrefix = prefix
        let storage = try S3Storage(configuration: configuration)
        try await storage.createBucket()
        let ids = try ["k1", "k2"].map { try ObjectID(kind: "public-key", name: $0) }
        for (index, id) in ids.enumerated() { try await storage.write([UInt8(index), 1, 2], id: id, objectClass: .public) }
        #expect(try await storage.read(id: ids[1], objectClass: .public) == [1, 1, 2])
        #expect(try await storage.exists(id: ids[0], objectClass: .public))
        #expect(try await storage.list(kind: "public-key", objectClass: .public) == ids)
        try await storage.delete(id: ids[0], objectClass: .public)
        #expect(try await !storage.exists(id: ids[0], objectClass: .public))
    }

    /// Issue 15 item 4: a read refuses an object over its kind's limit with a typed error, from the announced
    /// length, instead of buffering it (the old code collected up to 2 GiB).
    @Test func oversizeObjectIsRefusedWithATypedError() async throws {
        var configuration = Self.configuration(bucket: Self.freshBucket(), endpoint: try TestSupport.motoEndpoint())
        configuration.maximumObjectBytesByKind = ["key-share": 4096]
        let storage = try S3Storage(configuration: configuration)
        try await storage.createBucket()
        let share = try ObjectID(kind: "key-share", name: "big"), other = try ObjectID(kind: "server-key", name: "big")
        let bytes = TestSupport.randomBytes(100_000)
        try await storage.write(bytes, id: share, objectClass: .private)
        try await storage.write(bytes, id: other, objectClass: .public)
        await #expect(throws: VaultError.objectTooLarge(id: "private/key-share/big", size: 100_000, limit: 4096)) {
            try await storage.read(id: share, objectClass: .private)
        }
        #expect(try await storage.read(id: other, objectClass: .public) == bytes)  // the default limit is 1 GiB
        let exact = try ObjectID(kind: "key-share", name: "exact")
        try await storage.write(Array(bytes.prefix(4096)), id: exact, objectClass: .private)
        #expect(try await storage.read(id: exact, objectClass: .private).count == 4096)
        configuration.maximumObjectBytes = 0
        #expect(throws: VaultError.self) { try S3Storage(configuration: configuration) }
    }

    @Test func addressingStylesBuildTheRightURLs() throws {
        let path = try S3Storage(configuration: Self.configuration(bucket: "my-bucket", endpoint: "http://127.0.0.1:5055"))
        #expect(path.address(key: "a/b c").url == "http://127.0.0.1:5055/my-bucket/a/b%20c")
        #expect(path.address(key: "a").hostHeader == "127.0.0.1:5055")
        // The URL carries one encoding; the path handed to the signer is raw (the signer encodes it once).
        let reserved = path.address(key: "core 1+a=b~ü/k")
        #expect(reserved.url == "http://127.0.0.1:5055/my-bucket/core%201%2Ba%3Db~%C3%BC/k")
        #expect(reserved.path == "/my-bucket/core 1+a=b~ü/k")
        #expect(SigV4Signer.canonicalURI(reserved.path) == "/my-bucket/core%201%2Ba%3Db~%C3%BC/k")
        var aws = Self.configuration(bucket: "my-bucket", endpoint: "", style: .virtualHost)
        aws.endpoint = nil
        aws.region = "eu-west-3"
        let virtual = try S3Storage(configuration: aws)
        #expect(virtual.address(key: "k").url == "https://my-bucket.s3.eu-west-3.amazonaws.com/k")
        #expect(virtual.address(key: "k").path == "/k")
        #expect(virtual.address(key: nil).hostHeader == "my-bucket.s3.eu-west-3.amazonaws.com")
        #expect(throws: VaultError.self) { try S3Storage(configuration: Self.configuration(bucket: "Bad_Bucket", endpoint: "http://x")) }
        #expect(throws: VaultError.self) { try S3Storage(configuration: Self.configuration(bucket: "ok-bucket", endpoint: "ftp://x")) }
    }

    /// S3's documented error responses map to typed errors (moto does not emulate regions or IAM by default).
    @Test func errorResponsesBecomeTypedErrors() throws {
        let storage = try S3Storage(configuration: Self.configuration(bucket: "my-bucket", endpoint: "http://127.0.0.1:5055"))
        func response(_ status: Int, _ code: String, region: String? = nil) -> S3Storage.Response {
            var headers = HTTPHeaders()
            if let region { headers.add(name: "x-amz-bucket-region", value: region) }
            let body = "<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>m &amp; n</Message></Error>"
            return S3Storage.Response(status: status, headers: headers, body: Array(body.utf8))
        }
        #expect(storage.classify(response(301, "PermanentRedirect", region: "eu-west-1"), objectName: "o")
            == .wrongRegion(configured: "us-east-1", bucketRegion: "eu-west-1"))
        #expect(storage.classify(response(400, "AuthorizationHeaderMalformed", region: "ap-south-1"), objectName: "o")
            == .wrongRegion(configured: "us-east-1", bucketRegion: "ap-south-1"))
        #expect(storage.classify(response(403, "AccessDenied"), objectName: "o") == .accessDenied(code: "AccessDenied", message: "m & n"))
        #expect(storage.classify(response(403, "InvalidAccessKeyId"), objectName: "o")
            == .accessDenied(code: "InvalidAccessKeyId", message: "m & n"))
        #expect(storage.classify(response(404, "NoSuchBucket"), objectName: "o") == .bucketNotFound("my-bucket"))
        #expect(storage.classify(response(404, "NoSuchKey"), objectName: "o") == .objectNotFound("o"))
        #expect(storage.classify(response(409, "BucketNotEmpty"), objectName: "o") == .s3Error(status: 409, code: "BucketNotEmpty", message: "m & n"))
        #expect(VaultError.wrongRegion(configured: "us-east-1", bucketRegion: "eu-west-1").description
            == "S3 bucket is in region eu-west-1, but the vault is configured for us-east-1")
    }
}
