import Algebra
import Testing
@testable import FHEKeys

@Suite struct RadixValueTests {
    let client = TestKeys.client
    let server = TestKeys.server

    @Test func byteFormsAndDigitsRoundTrip() throws {
        var generator = SeededGenerator(seed: [40], domain: "radix-value")
        for bits in [1, 8, 64, 65, 127, 128, 159, 160, 200, 256] {
            for _ in 0..<20 {
                let value = RadixValue.random(bits: bits, using: &generator)
                #expect(value.bitWidth <= bits)
                #expect(try RadixValue(littleEndianBytes: value.littleEndianBytes) == value)
                #expect(try RadixValue(bigEndianBytes: value.bigEndianBytes) == value)
                #expect(value.bigEndianBytes.count == 32)
                let digits = (0..<((bits + 1) / 2)).map { value.digit($0, bits: 2) }
                #expect(try RadixValue(digits: digits, bitsPerDigit: 2) == value)
                #expect(value.truncated(toBits: bits) == value)
            }
        }
        let max = try RadixValue(limbs: [.max, .max, .max, .max])
        #expect(max.bitWidth == 256)
        #expect(max.truncated(toBits: 160) == (try RadixValue(limbs: [.max, .max, 0xFFFF_FFFF])))
        #expect(max.truncated(toBits: 160).bitWidth == 160)
        #expect(try RadixValue(bigEndianBytes: [1, 0]) == RadixValue(256))
        #expect(RadixValue(low: 5, high: 7).wide == (5, 7))
        #expect(RadixValue(0x1234).description == "1234" && RadixValue.zero.description == "0")
        #expect(throws: FHEError.unsupportedBitWidth(264)) { try RadixValue(littleEndianBytes: [UInt8](repeating: 1, count: 33)) }
        #expect(throws: FHEError.unsupportedBitWidth(257)) { try RadixValue(digits: [UInt64](repeating: 0, count: 128) + [1], bitsPerDigit: 2) }
    }

    @Test(arguments: [FheType.uint160, .uint256])
    func wideValuesRoundTripThroughEncryption(type: FheType) throws {
        var generator = SeededGenerator(seed: [41, UInt8(type.rawValue & 0xFF)], domain: "radix-wide")
        #expect(type.blockCount == type.rawValue / 2)
        for _ in 0..<10 {
            let value = RadixValue.random(bits: type.rawValue, using: &generator)
            let ciphertext = client.encrypt(value, as: type, using: &generator)
            #expect(ciphertext.blocks.count == type.blockCount)
            #expect(try client.decryptValue(ciphertext) == value)
            // The 128-bit API sees the low 128 bits.
            #expect(client.decryptWide(ciphertext) == value.wide)
            // A value wider than the type is truncated to it.
            let wider = try RadixValue(limbs: [generator.next(), generator.next(), generator.next(), generator.next()])
            #expect(try client.decryptValue(client.encrypt(wider, as: type, using: &generator)) == wider.truncated(toBits: type.rawValue))
        }
    }

    @Test func everyTypeRoundTripsAsRadixValue() throws {
        var generator = SeededGenerator(seed: [42], domain: "radix-all")
        for type in FheType.allCases {
            let value = RadixValue.random(bits: type.rawValue, using: &generator)
            #expect(try client.decryptValue(client.encrypt(value, as: type, using: &generator)) == value)
            // The (low, high) API and the RadixValue API encrypt the same blocks' messages.
            let old = client.encrypt(value.wide, as: type, using: &generator)
            #expect(try client.decryptValue(old) == value.truncated(toBits: min(128, type.rawValue)))
        }
    }

    @Test func publicKeyEncryptsWideValues() throws {
        var generator = SeededGenerator(seed: [43], domain: "radix-pk")
        let publicKey = CompactPublicKey.generate(client.big, parameters: TestKeys.parameters, seed: Array(repeating: 3, count: 32), using: &generator)
        let value = RadixValue.random(bits: 256, using: &generator)
        let ciphertext = publicKey.encrypt(value, as: .uint256, keySwitchingKey: server.keySwitchingKey, using: &generator)
        #expect(try client.decryptValue(ciphertext) == value)
    }

    /// The radix add is generic over the block count: 80 blocks of FheUint160, carries through all of them.
    @Test func homomorphicAddOnFheUint160() throws {
        var generator = SeededGenerator(seed: [44], domain: "radix-add-160")
        let a = RadixValue.random(bits: 160, using: &generator)
        // b = 2^160 − 1 − a + 1 + small: forces a carry chain across every block, and wraps mod 2^160.
        let complement = try RadixValue(limbs: zip(a.limbs, [UInt64.max, .max, 0xFFFF_FFFF, 0]).map { ~$0 & $1 })
        let x = client.encrypt(a, as: .uint160, using: &generator)
        let y = client.encrypt(complement, as: .uint160, using: &generator)
        let sum = server.add(x, y)
        #expect(try client.decryptValue(sum) == (try RadixValue(limbs: [.max, .max, 0xFFFF_FFFF])))  // a + ~a = 2^160 − 1
        let one = client.encrypt(RadixValue(1), as: .uint160, using: &generator)
        #expect(try client.decryptValue(server.add(sum, one)) == .zero)  // the carry runs through all 80 blocks
    }
}
