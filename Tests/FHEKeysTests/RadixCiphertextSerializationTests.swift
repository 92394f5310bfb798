import Algebra
import Testing
@testable import FHEKeys

@Suite struct RadixCiphertextSerializationTests {
    @Test func everyTypeRoundTrips() throws {
        var generator = SeededGenerator(seed: [50], domain: "radix-serial")
        let parameters = TestKeys.parameters
        for type in FheType.allCases {
            let value = RadixValue.random(bits: type.rawValue, using: &generator)
            let ciphertext = TestKeys.client.encrypt(value, as: type, using: &generator)
            let bytes = ciphertext.serialized(parameters: parameters)
            #expect(bytes.count == 7 + 2 + type.blockCount * (parameters.lweDimension + 1) * 8)
            let decoded = try RadixCiphertext(serialized: bytes, parameters: parameters)
            #expect(decoded == ciphertext)
            #expect(try TestKeys.client.decryptValue(decoded) == value)
        }
    }

    @Test func malformedInputIsRefused() throws {
        var generator = SeededGenerator(seed: [51], domain: "radix-serial-bad")
        let parameters = TestKeys.parameters
        let bytes = TestKeys.client.encrypt(RadixValue(9), as: .uint8, using: &generator).serialized(parameters: parameters)
        #expect(throws: FHEError.oversized(extraBytes: 1)) { try RadixCiphertext(serialized: bytes + [0]) }
        #expect(throws: FHEError.truncated(expected: bytes.count, available: bytes.count - 1)) {
            try RadixCiphertext(serialized: Array(bytes.dropLast()))
        }
        var badWidth = bytes
        badWidth[7] = 9  // 9 bits is no FheType (the width follows the 7-byte header)
        #expect(throws: FHEError.unsupportedBitWidth(9)) { try RadixCiphertext(serialized: badWidth) }
        #expect(throws: FHEError.parameterMismatch(expected: 1, found: 2)) { try RadixCiphertext(serialized: bytes, parameters: .production) }
        let single = TestKeys.client.encrypt(1, using: &generator).serialized(parameters: parameters)
        #expect(throws: FHEError.wrongType(expected: FHEObjectType.radixCiphertext.rawValue, found: 1)) { try RadixCiphertext(serialized: single) }
    }
}
