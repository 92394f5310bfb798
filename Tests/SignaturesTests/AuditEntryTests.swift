import Foundation
import Testing
@testable import Signatures

/// `AuditEntry.json`, written by hand: on random entries (quotes, backslashes, slashes, every control character,
/// non-ASCII text) it parses back to the same entry and to the same JSON object JSONSerialization makes of the
/// fields; without control characters it is byte for byte what JSONSerialization wrote (.sortedKeys,
/// .withoutEscapingSlashes) before, so the lines of older logs and newer ones look alike.
@Suite struct AuditEntryTests {
    static let alphabet: [Unicode.Scalar] = Array("aZ09 -_:./\"\\{}[],é€😀".unicodeScalars) + (0...0x1F).compactMap(Unicode.Scalar.init) + ["\u{7F}", "\u{2028}"]

    static func text(_ random: inout some RandomNumberGenerator, controls: Bool) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...24, using: &random) {
            let scalar = alphabet.randomElement(using: &random)!
            if !controls && scalar.value < 0x20 { continue }
            scalars.append(scalar)
        }
        return String(scalars)
    }

    static func entry(_ random: inout some RandomNumberGenerator, controls: Bool) -> AuditEntry {
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &random) } }
        var entry = AuditEntry(
            sequence: UInt64.random(in: 1 ... .max, using: &random), time: text(&random, controls: controls),
            method: text(&random, controls: controls), requestID: text(&random, controls: controls),
            caller: text(&random, controls: controls), requestDigest: bytes(32), status: text(&random, controls: controls),
            resultDigest: bytes(32), previousHash: bytes(32))
        entry.hash = bytes(32)
        entry.signature = bytes(65)
        return entry
    }

    /// What `json` was before: the fields through JSONSerialization.
    static func serialized(_ entry: AuditEntry) throws -> String {
        let object: [String: Any] = [
            "seq": entry.sequence, "time": entry.time, "method": entry.method, "request_id": entry.requestID,
            "caller": entry.caller, "request_digest": Hex.encode(entry.requestDigest), "status": entry.status,
            "result_digest": Hex.encode(entry.resultDigest), "prev": Hex.encode(entry.previousHash),
            "hash": Hex.encode(entry.hash), "signature": Hex.encode(entry.signature),
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    @Test func linesParseBackToTheEntry() throws {
        var random = SystemRandomNumberGenerator()
        for run in 0..<300 {
            let entry = Self.entry(&random, controls: true)
            let line = entry.json
            #expect(!line.contains("\n"), "run \(run): one entry per line")
            let parsed = try AuditEntry(json: line, line: 1)
            #expect(parsed == entry, "run \(run): \(line)")
            let ours = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary
            let theirs = try JSONSerialization.jsonObject(with: Data(try Self.serialized(entry).utf8)) as? NSDictionary
            #expect(ours != nil && ours == theirs, "run \(run)")
        }
    }

    @Test func withoutControlCharactersTheBytesAreJSONSerializations() throws {
        var random = SystemRandomNumberGenerator()
        for run in 0..<300 {
            let entry = Self.entry(&random, controls: false)
            #expect(entry.json == (try Self.serialized(entry)), "run \(run)")
        }
    }
}
