import Foundation
import Testing
@testable import Algebra

/// Runs Python's hashlib (an independent FIPS 202 implementation) and returns its hex output.
private func hashlib(_ expression: String) throws -> String {
    try python("import hashlib,sys; print(\(expression))", requirement: "python3 with hashlib")
}

/// Runs a Python snippet and returns its trimmed standard output.
private func python(_ program: String, requirement: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", program]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    process.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 0, "\(requirement) is required for the Keccak oracle")
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

    /// TurboSHAKE128 (RFC 9861) against pycryptodome's independent implementation (installed with eth-account),
    /// on lengths around the 168-byte rate and several domain bytes.
    @Test func turboShake128MatchesPycryptodome() throws {
        for (length, domain) in [(0, 0x1F), (1, 0x1F), (167, 0x0B), (168, 0x1F), (169, 0x01), (400, 0x7F)] {
            let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
            let literal = "bytes([" + message.map(String.init).joined(separator: ",") + "])"
            var turbo = TurboSHAKE128(domain: UInt8(domain))
            turbo.absorb(message)
            let expected = try python(
                "from Crypto.Hash import TurboSHAKE128; h = TurboSHAKE128.new(domain=\(domain)); "
                    + "h.update(\(literal)); print(h.read(400).hex())",
                requirement: "python3 with pycryptodome (Crypto.Hash.TurboSHAKE128)"
            )
            #expect(hex(turbo.squeeze(count: 400)) == expected, "length \(length), domain \(domain)")
        }
    }

    /// The PRSS stream: `fill` returns exactly the words `next()` would, across rate-block boundaries.
    @Test func fastSeededGeneratorFillMatchesNextAndTurboShake() {
        var a = FastSeededGenerator(seed: [9, 8, 7], domain: "prss")
        var b = FastSeededGenerator(seed: [9, 8, 7], domain: "prss")
        var filled = [UInt64](repeating: 0, count: 7)
        var viaFill = [UInt64]()
        for size in [7, 1, 5, 0, 3, 7, 2] {  // 25 words: crosses the 21-word block boundary
            filled.withUnsafeMutableBufferPointer { b.fill(UnsafeMutableBufferPointer(rebasing: $0[0..<size])) }
            viaFill += filled.prefix(size)
        }
        let viaNext = (0..<viaFill.count).map { _ in a.next() }
        #expect(viaFill == viaNext)
        var turbo = TurboSHAKE128(domain: 0x1F)
        turbo.absorb(Array("prss".utf8) + [0, 9, 8, 7])
        let bytes = turbo.squeeze(count: viaNext.count * 8)
        let words = stride(from: 0, to: bytes.count, by: 8).map { offset in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
        }
        #expect(words == viaNext)
        var c = FastSeededGenerator(seed: [9, 8, 7], domain: "other")
        #expect((0..<4).map { _ in c.next() } != Array(viaNext.prefix(4)))
    }
}

@Suite struct SHA3OpenSSLTests {
    /// OpenSSL's digest and the Swift sponge's agree on random inputs of random lengths, both sides of the
    /// length at which `hash` switches and of the 136-byte rate.
    @Test func openSSLAndSpongeAgreeOnRandomInputs() {
        var generator = SystemRandomNumberGenerator()
        var lengths = [0, 1, 135, 136, 137, SHA3_256.openSSLMinimumLength - 1, SHA3_256.openSSLMinimumLength, 240_651]
        lengths += (0..<200).map { _ in Int.random(in: 0...5_000, using: &generator) }
        for length in lengths {
            let message = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let fromOpenSSL = message.withUnsafeBufferPointer { SHA3_256.openSSLHash($0) }
            #expect(fromOpenSSL == SHA3_256.spongeHash(message), "length \(length)")
            #expect(SHA3_256.hash(message) == SHA3_256.spongeHash(message), "length \(length)")
        }
    }

    /// A long input through `hash` (OpenSSL's path) against Python's hashlib, and a non-contiguous sequence of
    /// the same bytes (the sponge's path) against both.
    @Test func longInputMatchesHashlib() throws {
        let length = 100_003
        let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 17) }
        let expected = try hashlib("hashlib.sha3_256(bytes(((i * 131 + 17) & 255) for i in range(\(length)))).hexdigest()")
        #expect(hex(SHA3_256.hash(message)) == expected)
        #expect(hex(SHA3_256.hash(message.lazy.map { $0 })) == expected)
    }
}
