import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A minimal AWS KMS client: the JSON 1.1 protocol (`X-Amz-Target: TrentService.<Operation>`) signed with
/// `SigV4Signer` (service "kms") over AsyncHTTPClient. Only what the vault needs: CreateKey, GenerateDataKey,
/// Encrypt, Decrypt. Network errors and 5xx/429 are retried with exponential backoff.
public struct AWSKMSClient: Sendable {
    public let region: String
    public let endpoint: String
    public let maxAttempts: Int
    public let requestTimeoutSeconds: Int
    private let signer: SigV4Signer
    private let hostHeader: String
    private let path: String

    /// Whether the endpoint may be plain `http://`. KMS answers carry data keys (GenerateDataKey, Decrypt), so
    /// over http anyone on the path reads them: only a test endpoint (moto on loopback) may be http.
    public let allowInsecureHTTP: Bool

    /// `endpoint` defaults to `https://kms.<region>.amazonaws.com`. An `http://` endpoint is refused unless
    /// `allowInsecureHTTP` says it is a test endpoint (the tests pass moto's `http://127.0.0.1:5055` that way).
    public init(region: String, credentials: S3Credentials, endpoint: String? = nil, maxAttempts: Int = 3,
                requestTimeoutSeconds: Int = 30, allowInsecureHTTP: Bool = false) throws(VaultError) {
        guard !region.isEmpty else { throw .invalidConfiguration("AWS KMS region is empty") }
        guard maxAttempts >= 1 else { throw .invalidConfiguration("AWS KMS maxAttempts must be at least 1") }
        let endpoint = endpoint ?? "https://kms.\(region).amazonaws.com"
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme,
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw .invalidConfiguration("AWS KMS endpoint '\(endpoint)' must be http(s)://host[:port]") }
        guard scheme == "https" || allowInsecureHTTP else {
            throw .invalidConfiguration(
                "AWS KMS endpoint '\(endpoint)' is http: data keys would cross the network in the clear; use https (allowInsecureHTTP is for test endpoints only)")
        }
        self.allowInsecureHTTP = allowInsecureHTTP
        let defaultPort = scheme == "https" ? 443 : 80
        hostHeader = components.port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        path = components.path.isEmpty ? "/" : components.path
        self.region = region
        self.endpoint = endpoint
        self.maxAttempts = maxAttempts
        self.requestTimeoutSeconds = requestTimeoutSeconds
        signer = SigV4Signer(accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey,
                             sessionToken: credentials.sessionToken, region: region, service: "kms")
    }

    /// Calls one KMS operation with a JSON object body and returns the decoded JSON object answer.
    /// `keyID` only names the key in error messages.
    public func call(_ operation: String, _ body: [String: any Sendable], keyID: String) async throws -> [String: Any] {
        let payload: [UInt8]
        do { payload = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) } catch {
            throw VaultError.invalidConfiguration("AWS KMS \(operation) request is not JSON: \(error)")
        }
        let payloadHash = SigV4Signer.payloadHash(payload)
        var lastFailure = "no attempt made"
        for attempt in 0..<maxAttempts {
            if attempt > 0 {
                let base = 100 << min(attempt - 1, 10)
                try await Task.sleep(for: .milliseconds(base + Int.random(in: 0...base / 2)))
            }
            let headers = [("host", hostHeader), ("content-type", "application/x-amz-json-1.1"),
                           ("x-amz-target", "TrentService.\(operation)")]
            let added = signer.sign(method: "POST", path: path, query: [], headers: headers, payloadHash: payloadHash,
                                    date: Int(Date().timeIntervalSince1970))
            var request = HTTPClientRequest(url: endpoint)
            request.method = .POST
            request.headers.add(name: "Host", value: hostHeader)
            request.headers.add(name: "Content-Type", value: "application/x-amz-json-1.1")
            request.headers.add(name: "X-Amz-Target", value: "TrentService.\(operation)")
            for (name, value) in added { request.headers.add(name: name, value: value) }
            request.body = .bytes(ByteBuffer(bytes: payload))
            let status: Int
            let answer: [UInt8]
            do {
                let raw = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(requestTimeoutSeconds)))
                var buffer = try await raw.body.collect(upTo: 1 << 24)
                status = Int(raw.status.code)
                answer = buffer.readBytes(length: buffer.readableBytes) ?? []
            } catch {
                lastFailure = "POST \(endpoint) (\(operation)): \(error)"
                continue
            }
            let json = (try? JSONSerialization.jsonObject(with: Data(answer))) as? [String: Any]
            if (200..<300).contains(status) {
                guard let json else { throw VaultError.kmsUnreachable("\(operation) answered HTTP \(status) without a JSON object") }
                return json
            }
            if status >= 500 || status == 429 {
                lastFailure = "HTTP \(status) from \(endpoint) (\(operation))"
                if attempt + 1 < maxAttempts { continue }
            }
            throw Self.classify(status: status, json: json, operation: operation, keyID: keyID)
        }
        throw VaultError.kmsUnreachable("\(lastFailure) (after \(maxAttempts) attempts)")
    }

    /// Maps a KMS error answer (`__type` like `NotFoundException` or `com.amazonaws.kms#NotFoundException`).
    static func classify(status: Int, json: [String: Any]?, operation: String, keyID: String) -> VaultError {
        let rawType = (json?["__type"] as? String) ?? "HTTP \(status)"
        let code = rawType.split(separator: "#").last.map(String.init) ?? rawType
        let message = (json?["message"] as? String) ?? (json?["Message"] as? String) ?? "HTTP \(status)"
        switch code {
        case "NotFoundException", "DisabledException", "KMSInvalidStateException":
            return .kmsKeyNotFound(keyID: keyID, message: "\(code): \(message)")
        case "InvalidCiphertextException", "IncorrectKeyException":
            return .kmsInvalidCiphertext(keyID: keyID)
        default:
            return .kmsError(operation: operation, code: code, message: message)
        }
    }

    /// CreateKey (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT); returns the new key's id. Used by tests and set-up tools.
    public func createKey(description: String) async throws -> String {
        let answer = try await call("CreateKey", ["Description": description, "KeyUsage": "ENCRYPT_DECRYPT",
                                                 "KeySpec": "SYMMETRIC_DEFAULT"], keyID: "(new key)")
        guard let metadata = answer["KeyMetadata"] as? [String: Any], let keyID = metadata["KeyId"] as? String else {
            throw VaultError.kmsError(operation: "CreateKey", code: "MalformedResponse", message: "no KeyMetadata.KeyId")
        }
        return keyID
    }

    /// Reads a base64 field of a KMS answer.
    static func base64Field(_ answer: [String: Any], _ name: String, operation: String) throws -> [UInt8] {
        guard let text = answer[name] as? String, let data = Data(base64Encoded: text) else {
            throw VaultError.kmsError(operation: operation, code: "MalformedResponse", message: "missing or invalid \(name)")
        }
        return Array(data)
    }
}
