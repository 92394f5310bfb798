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
        entry.digest = Bool.random(using: &random) ? .sha256 : .sha3_256
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
        ].merging(entry.digest == .sha3_256 ? [:] : ["digest": entry.digest.rawValue]) { first, _ in first }
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

    /// A log whose older entries have SHA3-256 digests (v1, no "digest" field) and newer ones SHA-256 (v2) verifies
    /// as one chain; an entry whose "digest" field is removed, changed or unknown does not (the field is hashed
    /// through the domain, so a v2 entry cannot pass as v1).
    @Test func entriesOfBothDigestsChainAndTheFieldIsBound() throws {
        let key = try OperatorSigningKey.generate()
        var previous = AuditEntry.genesisHash
        var lines: [String] = []
        for sequence in 1...6 {
            var entry = AuditEntry(
                sequence: UInt64(sequence), time: "2026-12-03T18:00:0\(sequence).000Z", method: "PublicDecrypt", requestID: "",
                caller: "kms-client", requestDigest: Array(repeating: UInt8(sequence), count: 32), status: "OK",
                resultDigest: Array(repeating: 7, count: 32), previousHash: previous)
            entry.digest = sequence <= 3 ? .sha3_256 : .sha256
            entry = try entry.signed(by: key)
            previous = entry.hash
            lines.append(entry.json)
        }
        #expect(!lines[2].contains("\"digest\"") && lines[3].contains("\"digest\":\"sha-256\""))
        #expect(try AuditEntry.verify(lines: lines, expected: key.address).count == 6)
        for (index, tampered) in [
            (3, lines[3].replacingOccurrences(of: ",\"digest\":\"sha-256\"", with: "")),
            (2, lines[2].replacingOccurrences(of: "{\"caller\":\"kms-client\"", with: "{\"caller\":\"kms-client\",\"digest\":\"sha-256\"")),
        ] {
            var copy = lines
            copy[index] = tampered
            #expect(throws: AuditError.altered(UInt64(index + 1))) { try AuditEntry.verify(lines: copy, expected: key.address) }
        }
        var unknown = lines
        unknown[4] = lines[4].replacingOccurrences(of: "\"sha-256\"", with: "\"md5\"")
        #expect(throws: AuditError.malformed(line: 5)) { try AuditEntry.verify(lines: unknown, expected: key.address) }
    }
}
