import Foundation

/// How the vault reaches an S3 (or S3-compatible) bucket.
public struct S3Configuration: Sendable, Equatable, CustomStringConvertible {
    /// `path`: `https://host/bucket/key`; `virtualHost`: `https://bucket.host/key` (AWS's default).
    public enum AddressingStyle: String, Sendable, Equatable { case path, virtualHost = "virtual-host" }

    public var bucket: String
    public var region: String
    /// `scheme://host[:port]`; nil means AWS (`https://s3.<region>.amazonaws.com`).
    public var endpoint: String?
    public var addressingStyle: AddressingStyle
    /// Prepended to every object key (e.g. "core-1/"), so several cores can share a bucket.
    public var keyPrefix: String
    public var credentials: S3Credentials
    /// Attempts per request for network errors, HTTP 5xx and 429 (exponential backoff with jitter).
    public var maxAttempts: Int
    /// The first backoff delay, in milliseconds; doubled on each retry.
    public var initialBackoffMilliseconds: Int
    /// The deadline of one attempt (connect + transfer), in seconds; large objects need a generous one.
    public var requestTimeoutSeconds: Int
    /// The largest object a read accepts, in bytes, unless `maximumObjectBytesByKind` names the object's kind. A
    /// larger object is refused with `VaultError.objectTooLarge` from its Content-Length, before its body is read,
    /// so a replaced or corrupted object cannot make the core buffer gigabytes. Default 1 GiB (server keys of the
    /// production parameters are a few hundred MiB).
    public var maximumObjectBytes: Int
    /// Per-kind limits (e.g. `["key-share": 1 << 20]`), overriding `maximumObjectBytes`.
    public var maximumObjectBytesByKind: [String: Int]

    public init(bucket: String, region: String, endpoint: String? = nil, addressingStyle: AddressingStyle = .virtualHost,
                keyPrefix: String = "", credentials: S3Credentials, maxAttempts: Int = 4,
                initialBackoffMilliseconds: Int = 100, requestTimeoutSeconds: Int = 300,
                maximumObjectBytes: Int = 1 << 30, maximumObjectBytesByKind: [String: Int] = [:]) {
        self.bucket = bucket
        self.region = region
        self.endpoint = endpoint
        self.addressingStyle = addressingStyle
        self.keyPrefix = keyPrefix
        self.credentials = credentials
        self.maxAttempts = maxAttempts
        self.initialBackoffMilliseconds = initialBackoffMilliseconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.maximumObjectBytes = maximumObjectBytes
        self.maximumObjectBytesByKind = maximumObjectBytesByKind
    }

    /// The read limit for objects of `kind`.
    public func maximumObjectBytes(kind: String) -> Int { maximumObjectBytesByKind[kind] ?? maximumObjectBytes }

    public var description: String {
        "S3Configuration(bucket: \(bucket), region: \(region), endpoint: \(endpoint ?? "aws"), style: \(addressingStyle.rawValue), prefix: \(keyPrefix))"
    }

    /// Checks the bucket name (S3 rules: 3–63 of a-z 0-9 . -, starting and ending alphanumeric) and the rest.
    func validate() throws(VaultError) {
        let bytes = Array(bucket.utf8)
        let valid = (3...63).contains(bytes.count)
            && bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 45 }
            && bytes.first.map { $0 != 46 && $0 != 45 } == true && bytes.last.map { $0 != 46 && $0 != 45 } == true
        guard valid else { throw .invalidConfiguration("S3 bucket name '\(bucket)' is not valid") }
        guard !region.isEmpty else { throw .invalidConfiguration("S3 region is empty") }
        guard requestTimeoutSeconds >= 1 else { throw .invalidConfiguration("S3 requestTimeoutSeconds must be at least 1") }
        guard maxAttempts >= 1 else { throw .invalidConfiguration("S3 maxAttempts must be at least 1") }
        // Any UTF-8 is a valid S3 key; control characters are refused (they cannot appear in listings' XML).
        guard keyPrefix.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value != 127 }), keyPrefix.utf8.count <= 512 else {
            throw .invalidConfiguration("S3 key prefix must be at most 512 bytes of UTF-8 without control characters")
        }
        guard maximumObjectBytes >= 1, maximumObjectBytesByKind.values.allSatisfy({ $0 >= 1 }) else {
            throw .invalidConfiguration("S3 maximum object sizes must be at least 1 byte")
        }
    }
}

/// AWS credentials; `description` never shows the secret.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optional `AWS_SESSION_TOKEN`.
    public static func fromEnvironment() throws(VaultError) -> S3Credentials {
        let environment = ProcessInfo.processInfo.environment
        guard let id = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw .invalidConfiguration("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set for S3")
        }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
    }

    public var description: String { "S3Credentials(\(accessKeyID), secret hidden)" }
}
