import Algebra
import FHEKeys
import Foundation
import KMSAPI
import Testing
@testable import Engine

/// `DecryptionInput.parse`: the handle is the caller's, or SHA3-256 of the ciphertext bytes; the content digest
/// that binds pool material is 0x03 ‖ that SHA3-256 without a handle and 0x02 ‖ SHA-256 of the bytes with one —
/// both checked against Python's hashlib, and both change with a single flipped byte of an otherwise valid
/// ciphertext (so two cores given different bytes under one handle never share material).
@Suite struct DecryptionInputTests {
    static let parameters = FHEParameters.insecureTest

    static func ciphertext(_ value: UInt64, type: FheType) -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        let key = ClientKey.insecureFromSeed(Array("decryption-input-tests".utf8), parameters: parameters)
        return key.encrypt(value, as: type, using: &random).serialized(parameters: parameters)
    }

    static func typed(_ bytes: [UInt8], type: Kms_V1_FheType, handle: [UInt8]?) -> Kms_V1_TypedCiphertext {
        var typed = Kms_V1_TypedCiphertext()
        typed.ciphertext = Data(bytes)
        typed.fheType = type
        if let handle { typed.externalHandle = Data(handle) }
        return typed
    }

    /// hashlib's hex digest of `bytes` ("sha3_256" or "sha256").
    static func hashlib(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("decryption-input-\(UUID().uuidString).bin")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try TestProcesses.run(try TestProcesses.tool("python3"), [
            "-c", "import hashlib,sys; print(hashlib.\(name)(open(sys.argv[1],'rb').read()).hexdigest())", file.path,
        ])
        #expect(result.status == 0, "\(result.combined)")
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func handlesAndContentDigestsAgreeWithHashlib() throws {
        let bytes = Self.ciphertext(200, type: .uint8)
        let handle = (0..<32).map { _ in UInt8.random(in: .min ... .max) }
        let inputs = try DecryptionInput.parse(
            [Self.typed(bytes, type: .uint8, handle: nil), Self.typed(bytes, type: .uint8, handle: handle)],
            parameters: Self.parameters, limit: 8)
        let sha3 = try Self.hashlib("sha3_256", bytes), sha256 = try Self.hashlib("sha256", bytes)
        #expect(Self.hex(inputs[0].handle) == sha3)
        #expect(inputs[0].contentHash == [0x03] + inputs[0].handle)
        #expect(inputs[1].handle == handle)
        #expect(inputs[1].contentHash.first == 0x02)
        #expect(Self.hex(Array(inputs[1].contentHash.dropFirst())) == sha256)
    }

    @Test func everyByteIsBound() throws {
        let bytes = Self.ciphertext(0xBEEF, type: .uint16)
        let handle = Array(repeating: UInt8(9), count: 32)
        let original = try DecryptionInput.parse([Self.typed(bytes, type: .uint16, handle: handle)], parameters: Self.parameters, limit: 1)[0]
        let unnamed = try DecryptionInput.parse([Self.typed(bytes, type: .uint16, handle: nil)], parameters: Self.parameters, limit: 1)[0]
        var seen = Set([original.contentHash, unnamed.contentHash])
        #expect(seen.count == 2)
        var random = SystemRandomNumberGenerator()
        // 24 distinct bytes: drawing with replacement flipped the same byte twice now and then, and the second
        // copy's digest was (rightly) the first one's.
        for index in ((bytes.count / 2)..<bytes.count).shuffled(using: &random).prefix(24) {
            // A flipped low bit of a mask or body word keeps the ciphertext valid (words stay below p almost surely).
            var changed = bytes
            changed[index] ^= 1
            guard let input = try? DecryptionInput.parse([Self.typed(changed, type: .uint16, handle: handle)], parameters: Self.parameters, limit: 1)[0]
            else { continue }
            #expect(input.handle == handle)
            #expect(seen.insert(input.contentHash).inserted, "byte \(index): the digest did not change")
        }
        #expect(seen.count > 10)
    }
}
