import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AWS Signature Version 4 (AWS General Reference, "Signature Version 4 signing process") for S3 requests:
/// canonical request → string to sign → HMAC-SHA256 with the derived key (date, region, service).
public struct SigV4Signer: Sendable {
    public let accessKeyID: String
    private let secretAccessKey: String
    public let sessionToken: String?
    public let region: String
    public let service: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, region: String,
                service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256`, (`x-amz-security-token`) and
    /// `Authorization`. `headers` must hold every other header to sign (at least `host`). `path` and `query` are
    /// raw (not yet percent-encoded): they are encoded here exactly once, as S3 expects (S3 does not normalize
    /// or double-encode the path the way other services' canonical URIs do).
    public func sign(method: String, path: String, query: [(String, String)], headers: [(String, String)],
                     payloadHash: String, date: Int) -> [(String, String)] {
        let (amzDate, day) = Self.timestamps(epochSeconds: date)
        var signed = headers.map { ($0.0.lowercased(), Self.trimmed($0.1)) }
        signed.append(("x-amz-date", amzDate))
        signed.append(("x-amz-content-sha256", payloadHash))
        if let sessionToken { signed.append(("x-amz-security-token", sessionToken)) }
        signed.sort { $0.0 < $1.0 }
        let signedHeaders = signed.map(\.0).joined(separator: ";")
        let canonicalHeaders = signed.map { $0.0 + ":" + $0.1 + "\n" }.joined()
        let canonicalRequest = [
            method, Self.canonicalURI(path), Self.canonicalQuery(query),
            canonicalHeaders, signedHeaders, payloadHash,
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let requestHash = Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))
        let stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + requestHash
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        var added = [("x-amz-date", amzDate), ("x-amz-content-sha256", payloadHash)]
        if let sessionToken { added.append(("x-amz-security-token", sessionToken)) }
        added.append(("Authorization",
                      "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return added
    }

    /// The canonical URI of a raw path: every byte but unreserved characters and '/' percent-encoded, once.
    static func canonicalURI(_ path: String) -> String { encode(path.isEmpty ? "/" : path, keepSlash: true) }

    /// The canonical query string of raw parameters: names and values encoded once, sorted by name then value.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.0, keepSlash: false), encode($0.1, keepSlash: false)) }
        let sorted = encoded.sorted { (left, right) -> Bool in left.name == right.name ? left.value < right.value : left.name < right.name }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// Lower-case hex of a digest or bytes.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: out, as: UTF8.self)
    }

    /// SHA-256 of a payload as lower-case hex (the `x-amz-content-sha256` value).
    public static func payloadHash(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    /// RFC 3986 percent-encoding as SigV4 requires (unreserved characters kept; '/' kept in paths).
    static func encode(_ text: String, keepSlash: Bool) -> String {
        var out = ""
        for byte in text.utf8 {
            let isUnreserved = (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte)
                || byte == 45 || byte == 46 || byte == 95 || byte == 126
            if isUnreserved || (keepSlash && byte == 47) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    private static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// `yyyyMMdd'T'HHmmss'Z'` and `yyyyMMdd` in UTC.
    static func timestamps(epochSeconds: Int) -> (String, String) {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let day = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        return (day + "T" + two(parts.tm_hour) + two(parts.tm_min) + two(parts.tm_sec) + "Z", day)
    }
}
