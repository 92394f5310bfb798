import Crypto
import Foundation
import GRPCCore
import Logging
import Signatures

/// The core's append-only audit log (`<data_dir>/audit.log`, docs/OPERATIONS.md "Audit log"): one signed,
/// hash-chained `AuditEntry` per request served on the public endpoint, written and fsynced before the answer
/// leaves. At start the chain is read back and continued; a torn last line (a crash mid-write) is cut off, and a
/// log that does not verify is refused (the core does not start on a broken audit trail).
actor AuditLog {
    private let handle: FileHandle
    private let signer: OperatorSigningKey
    private let logger: Logger
    private var sequence: UInt64
    private var previous: [UInt8]

    static func path(dataDirectory: String) -> String { dataDirectory + "/audit.log" }

    /// `keyIsPersistent` false (no `[vault]`): the signing key is new at every start, so a log signed by an earlier
    /// key is moved aside to `audit.log.<time>` and a new chain begins.
    init(dataDirectory: String, signer: OperatorSigningKey, keyIsPersistent: Bool, logger: Logger) throws(EngineError) {
        let path = Self.path(dataDirectory: dataDirectory)
        if !keyIsPersistent, let data = FileManager.default.contents(atPath: path),
           let first = String(decoding: data, as: UTF8.self).split(separator: "\n").first,
           (try? AuditEntry(json: String(first), line: 1).signer()) != signer.address {
            let archive = path + "." + Self.timestamp()
            do { try FileManager.default.moveItem(atPath: path, toPath: archive) } catch {
                throw .internalFailure("cannot move the previous audit log aside to \(archive)")
            }
            logger.warning("no [vault]: the signing key is new, the previous audit log was moved aside", metadata: ["archive": "\(archive)"])
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw .internalFailure("cannot create the audit log \(path)")
            }
        }
        guard let data = FileManager.default.contents(atPath: path), let handle = FileHandle(forUpdatingAtPath: path) else {
            throw .internalFailure("cannot open the audit log \(path)")
        }
        var text = String(decoding: data, as: UTF8.self)
        if !text.isEmpty && !text.hasSuffix("\n") {
            // A crash between write and fsync can leave a partial last line: it was never acknowledged, cut it.
            let keep = text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
            text = String(text[..<keep])
            do { try handle.truncate(atOffset: UInt64(text.utf8.count)) } catch { throw .internalFailure("cannot repair the audit log \(path)") }
            logger.warning("audit log: a partial last entry (interrupted write) was removed", metadata: ["path": "\(path)"])
        }
        let lines = text.split(separator: "\n").map(String.init)
        let verified: (signer: EthereumAddress?, count: Int)
        do {
            verified = try AuditEntry.verify(lines: lines, expected: signer.address)
        } catch {
            throw .failedPrecondition("the audit log \(path) does not verify: \(error)")
        }
        do { _ = try handle.seekToEnd() } catch { throw .internalFailure("cannot open the audit log \(path)") }
        self.handle = handle
        self.signer = signer
        self.logger = logger
        sequence = UInt64(verified.count)
        previous = try lines.last.map { line throws(EngineError) in
            do { return try AuditEntry(json: line, line: lines.count).hash } catch { throw .internalFailure("audit log: \(error)") }
        } ?? AuditEntry.genesisHash
    }

    /// Appends the entry for one call and makes it durable. The digests are taken before the log's turn, so that
    /// concurrent calls hash their (up to megabytes of) request in parallel instead of one after another here.
    nonisolated func record(method: String, caller: String, request: [UInt8], status: String, result: [UInt8]) async {
        let requestID = Self.requestID(in: request)
        let requestDigest = Array(SHA256.hash(data: request)), resultDigest = Array(SHA256.hash(data: result))
        await append(method: method, caller: caller, requestID: requestID, requestDigest: requestDigest, status: status, resultDigest: resultDigest)
    }

    private func append(method: String, caller: String, requestID: String, requestDigest: [UInt8], status: String, resultDigest: [UInt8]) {
        var entry = AuditEntry(
            sequence: sequence + 1, time: Self.timestamp(), method: method, requestID: requestID, caller: caller,
            requestDigest: requestDigest, status: status, resultDigest: resultDigest, previousHash: previous)
        entry.digest = .sha256
        do {
            entry = try entry.signed(by: signer)
            try handle.write(contentsOf: Data((entry.json + "\n").utf8))
            try handle.synchronize()
        } catch {
            logger.error("audit log: cannot append an entry", metadata: ["method": "\(method)", "error": "\(error)"])
            return
        }
        sequence = entry.sequence
        previous = entry.hash
    }

    /// Now in UTC with milliseconds, e.g. 2026-12-03T14:22:24.123Z. A format style, not an `ISO8601DateFormatter`
    /// per entry: making that formatter cost 2% of a core's CPU under decryption load (docs/BENCHMARKS.md).
    static func timestamp(_ date: Date = Date()) -> String {
        date.formatted(timestampStyle)
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// The request id a kms.v1 request names: its field 1 when that is a RequestId message (or, for the
    /// Get…Result calls, the RequestId itself) holding 64 hex digits; "" otherwise.
    static func requestID(in bytes: [UInt8]) -> String {
        func field1(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
            var index = bytes.startIndex
            while index < bytes.endIndex {
                guard let (key, afterKey) = varint(bytes, from: index) else { return nil }
                let wireType = key & 7
                switch wireType {
                case 0: guard let (_, next) = varint(bytes, from: afterKey) else { return nil }; index = next
                case 1: index = afterKey + 8
                case 5: index = afterKey + 4
                case 2:
                    guard let (length, start) = varint(bytes, from: afterKey), start + Int(length) <= bytes.endIndex else { return nil }
                    if key >> 3 == 1 { return bytes[start..<(start + Int(length))] }
                    index = start + Int(length)
                default: return nil
                }
            }
            return nil
        }
        func hexID(_ slice: ArraySlice<UInt8>) -> String? {
            guard slice.count == 64, slice.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
            return String(decoding: slice, as: UTF8.self)
        }
        guard let first = field1(bytes[...]) else { return "" }
        if let id = hexID(first) { return id }
        return field1(first).flatMap(hexID) ?? ""
    }

    private static func varint(_ bytes: ArraySlice<UInt8>, from start: Int) -> (UInt64, Int)? {
        var value: UInt64 = 0
        var index = start
        for shift in stride(from: 0, to: 64, by: 7) {
            guard index < bytes.endIndex else { return nil }
            let byte = bytes[index]
            value |= UInt64(byte & 0x7f) << UInt64(shift)
            index += 1
            if byte & 0x80 == 0 { return (value, index) }
        }
        return nil
    }
}

extension UnaryRoute {
    /// This route with every call recorded in `log` before its answer leaves, and counted and timed in the metrics.
    func audited(by log: AuditLog, name: String) -> UnaryRoute {
        let handler = self.handler
        return UnaryRoute(path: path) { bytes, context in
            let caller = context.peer.commonName ?? context.peer.address
            let started = ContinuousClock.now
            do {
                let response = try await handler(bytes, context)
                await log.record(method: name, caller: caller, request: bytes, status: "OK", result: response)
                KMSMetrics.recordCall(method: name, status: "OK", duration: ContinuousClock.now - started)
                return response
            } catch let status as GRPCStatus {
                await log.record(method: name, caller: caller, request: bytes, status: "\(status.code)", result: Array(status.message.utf8))
                KMSMetrics.recordCall(method: name, status: "\(status.code)", duration: ContinuousClock.now - started)
                throw status
            }
        }
    }
}
