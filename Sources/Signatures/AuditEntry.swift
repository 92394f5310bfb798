import Algebra
import Foundation

/// One line of a core's audit log (issue 14, docs/OPERATIONS.md "Audit log"): a request the core served, chained
/// to the entry before it by that entry's hash and signed with the core's key, so that a removed, altered or
/// reordered entry breaks the chain. Stored as one JSON object per line.
public struct AuditEntry: Sendable, Equatable {
    /// 1, 2, 3, … without gaps.
    public var sequence: UInt64
    /// ISO 8601 UTC with milliseconds.
    public var time: String
    /// The RPC's name, e.g. "PublicDecrypt".
    public var method: String
    /// The request id the call named (64 hex digits), or "" when it named none.
    public var requestID: String
    /// The caller's certificate common name, or its address without a client certificate.
    public var caller: String
    /// `digest` of the request's bytes.
    public var requestDigest: [UInt8]
    /// "OK" or the gRPC status code name it ended with.
    public var status: String
    /// `digest` of the response's bytes, or of the status message for a refusal.
    public var resultDigest: [UInt8]
    /// The hash of both digests: SHA3-256 in the entries of versions before 2026-12-03 (no "digest" field, and
    /// hashed under ".../v1"), SHA-256 since (1.4 GB/s with SHA-NI against 0.27–0.36: a core digests every request,
    /// 235 KiB per euint64 decryption).
    public var digest: Digest = .sha3_256
    /// The previous entry's hash (32 zero bytes for the first).
    public var previousHash: [UInt8]
    /// Filled by `signed(by:)`: Keccak-256 of `encodedFields`, and the core's signature over it.
    public var hash: [UInt8] = []
    public var signature: [UInt8] = []

    public init(sequence: UInt64, time: String, method: String, requestID: String, caller: String, requestDigest: [UInt8],
                status: String, resultDigest: [UInt8], previousHash: [UInt8]) {
        self.sequence = sequence
        self.time = time
        self.method = method
        self.requestID = requestID
        self.caller = caller
        self.requestDigest = requestDigest
        self.status = status
        self.resultDigest = resultDigest
        self.previousHash = previousHash
    }

    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    /// The hash function of an entry's request and result digests, by its name in the "digest" field.
    public enum Digest: String, Sendable, Equatable {
        case sha3_256 = "sha3-256"
        case sha256 = "sha-256"
    }

    /// domain ‖ sequence (u64 BE) ‖ previous hash ‖ each text field length-prefixed (u32 BE) ‖ both digests; the
    /// domain ".../v1" for SHA3-256 digests, ".../v2" for SHA-256 ones (so an entry cannot be read as the other).
    public var encodedFields: [UInt8] {
        var bytes = Array((digest == .sha3_256 ? "threshold-kms/audit-entry/v1" : "threshold-kms/audit-entry/v2").utf8)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: sequence >> UInt64(shift))) }
        bytes += previousHash
        for text in [time, method, requestID, caller, status] { bytes += bigEndian32(text.utf8.count) + Array(text.utf8) }
        return bytes + requestDigest + resultDigest
    }

    public func computedHash() -> [UInt8] { Keccak256.hash(encodedFields) }

    public func signed(by key: OperatorSigningKey) throws(SignatureError) -> AuditEntry {
        var entry = self
        entry.hash = computedHash()
        entry.signature = try key.sign(digest: entry.hash).bytes
        return entry
    }

    /// The address that signed this entry, after checking that `hash` is the hash of its fields.
    public func signer() throws(AuditError) -> EthereumAddress {
        guard hash == computedHash() else { throw .altered(sequence) }
        do { return try RecoverableSignature(bytes: signature).recoverAddress(digest: hash) } catch { throw .badSignature(sequence) }
    }

    public var json: String {
        // The keys in sorted order, no spaces, "/" unescaped: what JSONSerialization wrote with .sortedKeys and
        // .withoutEscapingSlashes, written directly because building it through a dictionary was 3% of a core's
        // CPU under decryption load (docs/BENCHMARKS.md). One entry per call, so it is on every request's path.
        var out = "{\"caller\":"
        Self.appendQuoted(caller, to: &out)
        if digest != .sha3_256 { out += ",\"digest\":\"" + digest.rawValue + "\"" }
        out += ",\"hash\":\"" + Hex.encode(hash) + "\",\"method\":"
        Self.appendQuoted(method, to: &out)
        out += ",\"prev\":\"" + Hex.encode(previousHash) + "\",\"request_digest\":\"" + Hex.encode(requestDigest) + "\",\"request_id\":"
        Self.appendQuoted(requestID, to: &out)
        out += ",\"result_digest\":\"" + Hex.encode(resultDigest) + "\",\"seq\":" + String(sequence)
        out += ",\"signature\":\"" + Hex.encode(signature) + "\",\"status\":"
        Self.appendQuoted(status, to: &out)
        out += ",\"time\":"
        Self.appendQuoted(time, to: &out)
        return out + "}"
    }

    /// `text` as a JSON string (RFC 8259 §7): quote, backslash and control characters escaped, the rest as is.
    static func appendQuoted(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Parses one line of the log; `line` is its 1-based number, for the error.
    public init(json line: String, line number: Int) throws(AuditError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
              let sequence = (object["seq"] as? NSNumber)?.uint64Value,
              let time = object["time"] as? String, let method = object["method"] as? String,
              let requestID = object["request_id"] as? String, let caller = object["caller"] as? String,
              let status = object["status"] as? String,
              let requestDigest = (object["request_digest"] as? String).flatMap({ Hex.decode(Array($0.utf8)) }),
              let resultDigest = (object["result_digest"] as? String).flatMap({ Hex.decode(Array($0.utf8)) }),
              let previous = (object["prev"] as? String).flatMap({ Hex.decode(Array($0.utf8)) }),
              let hash = (object["hash"] as? String).flatMap({ Hex.decode(Array($0.utf8)) }),
              let signature = (object["signature"] as? String).flatMap({ Hex.decode(Array($0.utf8)) }),
              let digest = object["digest"].map({ ($0 as? String).flatMap(Digest.init(rawValue:)) }) ?? .sha3_256
        else { throw .malformed(line: number) }
        self.init(sequence: sequence, time: time, method: method, requestID: requestID, caller: caller, requestDigest: requestDigest,
                  status: status, resultDigest: resultDigest, previousHash: previous)
        self.digest = digest
        self.hash = hash
        self.signature = signature
    }

    /// Checks a whole log: consecutive sequence numbers from 1, each entry chained to the one before and signed by
    /// one address (`expected` when given). Returns that address and the number of entries.
    public static func verify(lines: [String], expected: EthereumAddress?) throws(AuditError) -> (signer: EthereumAddress?, count: Int) {
        var previous = genesisHash
        var signer = expected
        var count = 0
        for (index, line) in lines.enumerated() where !line.isEmpty {
            let entry = try AuditEntry(json: line, line: index + 1)
            guard entry.sequence == UInt64(count + 1) else { throw .outOfSequence(line: index + 1, expected: UInt64(count + 1), found: entry.sequence) }
            guard entry.previousHash == previous else { throw .brokenChain(entry.sequence) }
            let address = try entry.signer()
            if let signer, signer != address { throw .otherSigner(entry.sequence, address.checksummed) }
            signer = address
            previous = entry.hash
            count += 1
        }
        return (signer, count)
    }
}

/// Why an audit log does not verify; each names the entry.
public enum AuditError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(line: Int)
    case outOfSequence(line: Int, expected: UInt64, found: UInt64)
    case brokenChain(UInt64)
    case altered(UInt64)
    case badSignature(UInt64)
    case otherSigner(UInt64, String)

    public var description: String {
        switch self {
        case .malformed(let line): "line \(line) is not an audit entry"
        case .outOfSequence(let line, let expected, let found):
            "line \(line) holds entry \(found) where entry \(expected) belongs: an entry was removed or reordered"
        case .brokenChain(let sequence): "entry \(sequence) does not chain to the entry before it: an entry was removed, reordered or altered"
        case .altered(let sequence): "entry \(sequence) was altered: its fields do not hash to its hash"
        case .badSignature(let sequence): "entry \(sequence) has no valid signature"
        case .otherSigner(let sequence, let address): "entry \(sequence) was signed by \(address), not by the core that signed the others"
        }
    }
}
