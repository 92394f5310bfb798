import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A vault store in an S3 bucket (DESIGN §5), signed with SigV4 over AsyncHTTPClient.
/// Objects live at `<prefix><class>/<kind>/<name>`. Network errors, 5xx and 429 are retried with exponential
/// backoff; S3 error codes become typed `VaultError`s (missing bucket, denied access, wrong region).
public struct S3Storage: StorageBackend {
    public let configuration: S3Configuration
    private let signer: SigV4Signer
    private let scheme: String
    private let host: String
    private let port: Int?

    public init(configuration: S3Configuration) throws(VaultError) {
        try configuration.validate()
        self.configuration = configuration
        let endpoint = configuration.endpoint ?? "https://s3.\(configuration.region).amazonaws.com"
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme,
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw .invalidConfiguration("S3 endpoint '\(endpoint)' must be http(s)://host[:port]") }
        self.scheme = scheme
        self.host = host
        self.port = components.port
        let credentials = configuration.credentials
        signer = SigV4Signer(accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey,
                             sessionToken: credentials.sessionToken, region: configuration.region)
    }

    public var location: String { "s3://\(configuration.bucket)/\(configuration.keyPrefix)" }

    // MARK: StorageBackend

    public func write(_ bytes: [UInt8], id: ObjectID, objectClass: ObjectClass) async throws {
        _ = try await send(.PUT, key: objectKey(id, objectClass), body: bytes, objectName: id.storageKey(objectClass))
    }

    /// Reads an object of at most `configuration.maximumObjectBytes(kind:)` bytes; a larger one is refused with
    /// `objectTooLarge` (from Content-Length before the body is read, or when the body overruns the limit).
    public func read(id: ObjectID, objectClass: ObjectClass) async throws -> [UInt8] {
        try await send(.GET, key: objectKey(id, objectClass), objectName: id.storageKey(objectClass),
                       maximumBodyBytes: configuration.maximumObjectBytes(kind: id.kind)).body
    }

    public func exists(id: ObjectID, objectClass: ObjectClass) async throws -> Bool {
        do {
            _ = try await send(.HEAD, key: objectKey(id, objectClass), objectName: id.storageKey(objectClass))
            return true
        } catch VaultError.objectNotFound {
            return false
        }
    }

    public func delete(id: ObjectID, objectClass: ObjectClass) async throws {
        _ = try await send(.DELETE, key: objectKey(id, objectClass), objectName: id.storageKey(objectClass))
    }

    public func list(kind: String, objectClass: ObjectClass) async throws -> [ObjectID] {
        let directory = configuration.keyPrefix + objectClass.rawValue + "/" + (try ObjectID(kind: kind, name: "x")).kind + "/"
        var ids: [ObjectID] = []
        var continuation: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", directory)]
            if let continuation { query.append(("continuation-token", continuation)) }
            let body = try await send(.GET, key: nil, query: query, objectName: directory).body
            let listing = S3XML(body)
            for key in listing.values(of: "Key") where key.hasPrefix(directory) {
                if let id = try? ObjectID(kind: kind, name: String(key.dropFirst(directory.count))) { ids.append(id) }
            }
            continuation = listing.values(of: "IsTruncated").first == "true"
                ? listing.values(of: "NextContinuationToken").first : nil
        } while continuation != nil
        return ids.sorted { $0.name < $1.name }
    }

    /// Creates the bucket (tests and first-time setup); an existing bucket we own is not an error.
    public func createBucket() async throws {
        var body: [UInt8] = []
        if configuration.region != "us-east-1" {
            body = Array("""
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
                <LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>
                """.utf8)
        }
        do {
            _ = try await send(.PUT, key: nil, body: body, objectName: configuration.bucket)
        } catch VaultError.s3Error(_, let code, _) where code == "BucketAlreadyOwnedByYou" {}
    }

    // MARK: Requests

    /// The URL, path and Host header for `key` (nil: the bucket itself) in the configured style. `path` is the
    /// raw (unencoded) path, which the signer percent-encodes exactly once for the canonical request; the URL
    /// carries that same single encoding (issue 15: it used to be encoded here and again by the signer, so keys
    /// with reserved characters failed to sign).
    func address(key: String?) -> (url: String, path: String, hostHeader: String) {
        let portSuffix = port.map { ":\($0)" } ?? ""
        let path: String, hostHeader: String
        switch configuration.addressingStyle {
        case .path:
            path = "/" + configuration.bucket + (key.map { "/" + $0 } ?? "")
            hostHeader = host + portSuffix
        case .virtualHost:
            path = "/" + (key ?? "")
            hostHeader = configuration.bucket + "." + host + portSuffix
        }
        return ("\(scheme)://\(hostHeader)\(SigV4Signer.encode(path, keepSlash: true))", path, hostHeader)
    }

    private func objectKey(_ id: ObjectID, _ objectClass: ObjectClass) -> String {
        configuration.keyPrefix + id.storageKey(objectClass)
    }

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// The most a listing or an error answer may hold.
    static let maximumListingBytes = 16 << 20, maximumErrorBytes = 1 << 20

    private func send(_ method: HTTPMethod, key: String?, query: [(String, String)] = [], body: [UInt8] = [],
                      objectName: String, maximumBodyBytes: Int = S3Storage.maximumListingBytes) async throws -> Response {
        let (url, path, hostHeader) = address(key: key)
        let queryString = query.map { SigV4Signer.encode($0.0, keepSlash: false) + "=" + SigV4Signer.encode($0.1, keepSlash: false) }
            .joined(separator: "&")
        let payloadHash = SigV4Signer.payloadHash(body)
        var lastFailure = "no attempt made"
        for attempt in 0..<configuration.maxAttempts {
            if attempt > 0 { try await backoff(attempt: attempt) }
            var request = HTTPClientRequest(url: queryString.isEmpty ? url : url + "?" + queryString)
            request.method = method
            var signedHeaders = [("host", hostHeader)]
            if !body.isEmpty || method == .PUT { signedHeaders.append(("content-length", String(body.count))) }
            let added = signer.sign(method: method.rawValue, path: path, query: query, headers: signedHeaders,
                                    payloadHash: payloadHash, date: Int(Date().timeIntervalSince1970))
            request.headers.add(name: "Host", value: hostHeader)
            for (name, value) in added { request.headers.add(name: name, value: value) }
            if method == .PUT { request.body = .bytes(ByteBuffer(bytes: body)) }
            let response: Response
            do {
                let raw = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(configuration.requestTimeoutSeconds)))
                let status = Int(raw.status.code)
                let limit = method == .HEAD ? 1 : (200..<300).contains(status) ? maximumBodyBytes : Self.maximumErrorBytes
                // Refuse from the announced length before reading any of the body.
                if method != .HEAD, let announced = raw.headers.first(name: "content-length").flatMap(Int.init), announced > limit {
                    throw VaultError.objectTooLarge(id: objectName, size: announced, limit: limit)
                }
                var buffer: ByteBuffer
                do { buffer = try await raw.body.collect(upTo: limit) } catch is NIOTooManyBytesError {
                    throw VaultError.objectTooLarge(id: objectName, size: nil, limit: limit)
                }
                response = Response(status: status, headers: raw.headers,
                                    body: buffer.readBytes(length: buffer.readableBytes) ?? [])
            } catch let error as VaultError {
                throw error
            } catch {
                lastFailure = "\(method.rawValue) \(url): \(error)"
                continue
            }
            if (200..<300).contains(response.status) { return response }
            if response.status >= 500 || response.status == 429 {
                lastFailure = "HTTP \(response.status) from \(url)"
                if attempt + 1 < configuration.maxAttempts { continue }
            }
            throw classify(response, objectName: objectName)
        }
        throw VaultError.s3Unreachable("\(lastFailure) (after \(configuration.maxAttempts) attempts)")
    }

    private func backoff(attempt: Int) async throws {
        let base = configuration.initialBackoffMilliseconds << min(attempt - 1, 10)
        let jitter = Int.random(in: 0...max(base / 2, 1))
        try await Task.sleep(for: .milliseconds(base + jitter))
    }

    /// Maps an S3 error response to a typed error.
    func classify(_ response: Response, objectName: String) -> VaultError {
        let xml = S3XML(response.body)
        let code = xml.values(of: "Code").first ?? ""
        let message = xml.values(of: "Message").first ?? "HTTP \(response.status)"
        let bucketRegion = response.headers.first(name: "x-amz-bucket-region") ?? xml.values(of: "Region").first
        switch code {
        case "NoSuchBucket": return .bucketNotFound(configuration.bucket)
        case "NoSuchKey": return .objectNotFound(objectName)
        case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
             "AllAccessDisabled", "InvalidSecurity":
            return .accessDenied(code: code, message: message)
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IncorrectEndpoint", "IllegalLocationConstraintException":
            return .wrongRegion(configured: configuration.region, bucketRegion: bucketRegion)
        default: break
        }
        if let bucketRegion, bucketRegion != configuration.region, response.status == 301 || response.status == 400 {
            return .wrongRegion(configured: configuration.region, bucketRegion: bucketRegion)
        }
        switch response.status {
        case 301: return .wrongRegion(configured: configuration.region, bucketRegion: bucketRegion)
        case 403: return .accessDenied(code: code.isEmpty ? "Forbidden" : code, message: message)
        case 404: return .objectNotFound(objectName)  // HEAD responses have no body to tell bucket from key
        default: return .s3Error(status: response.status, code: code, message: message)
        }
    }
}

/// Just enough XML for S3 responses: the text of every `<name>…</name>` element, entities decoded.
struct S3XML {
    let text: String
    init(_ bytes: [UInt8]) { text = String(decoding: bytes, as: UTF8.self) }

    func values(of element: String) -> [String] {
        var values: [String] = []
        var rest = text[...]
        let open = "<\(element)>", close = "</\(element)>"
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            values.append(Self.decodeEntities(String(rest[start.upperBound..<end.lowerBound])))
            rest = rest[end.upperBound...]
        }
        return values
    }

    static func decodeEntities(_ value: String) -> String {
        value.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
