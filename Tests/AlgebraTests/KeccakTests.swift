import Foundation
import Testing
@testable import Algebra

/// Runs Python's hashlib (an independent FIPS 202 implementation) and returns its hex output.
private func hashlib(_ expression: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import hashlib,sys; print(\(expression))"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 0, "python3 with hashlib is required for the Keccak oracle")
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

@Suite struct KeccakTests {
    @Test func sha3KnownAnswers() {
        #expect(hex(SHA3_256.hash([])) == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
        #expect(hex(SHA3_256.hash(Array("abc".utf8))) == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")
    }

    @Test func sha3AndShakeMatchHashlibOnManyLengths() throws {
        // Lengths around the 136-byte rate exercise padding in the same and the next block.
        let lengths = [0, 1, 55, 135, 136, 137, 271, 272, 1000]
        for length in lengths {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let literal = "bytes([" + message.map(String.init).joined(separator: ",") + "])"
            #expect(hex(SHA3_256.hash(message)) == (try hashlib("hashlib.sha3_256(\(literal)).hexdigest()")))
            var shake = SHAKE256()
            shake.absorb(message)
            #expect(hex(shake.squeeze(count: 300)) == (try hashlib("hashlib.shake_256(\(literal)).hexdigest(300)")))
        }
    }

    @Test func seededGeneratorIsDeterministicAndDomainSeparated() {
        var a = SeededGenerator(seed: [1, 2, 3], domain: "mask")
        var b = SeededGenerator(seed: [1, 2, 3], domain: "mask")
        var c = SeededGenerator(seed: [1, 2, 3], domain: "noise")
        let streamA = (0..<100).map { _ in a.next() }
        #expect(streamA == (0..<100).map { _ in b.next() })
        #expect(streamA != (0..<100).map { _ in c.next() })
        // The word stream is SHAKE256's byte stream read as little-endian words.
        var shake = SHAKE256()
        shake.absorb(Array("mask".utf8) + [0, 1, 2, 3])
        let bytes = shake.squeeze(count: 800)
        let words = stride(from: 0, to: 800, by: 8).map { offset in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        #expect(words == streamA)
    }
}
