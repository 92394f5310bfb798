import Signatures
import Testing

@Suite struct ABIEncodingTests {
    @Test func wordsAreLeftPaddedAndConcatenated() throws {
        let encoded = try abiEncodeUInt256s([[1], [], [0x12, 0x34], [UInt8](repeating: 0xAB, count: 32)])
        #expect(encoded.count == 4 * 32)
        #expect(Array(encoded[0..<32]) == [UInt8](repeating: 0, count: 31) + [1])
        #expect(Array(encoded[32..<64]) == [UInt8](repeating: 0, count: 32))
        #expect(Array(encoded[64..<96]) == [UInt8](repeating: 0, count: 30) + [0x12, 0x34])
        #expect(Array(encoded[96..<128]) == [UInt8](repeating: 0xAB, count: 32))
        #expect(try abiEncodeUInt256s([]) == [])
    }

    @Test func wordsLongerThan32BytesAreRefusedUnlessLeadingZeros() throws {
        #expect(try abiEncodeUInt256s([[0, 0] + [UInt8](repeating: 7, count: 32)]) == [UInt8](repeating: 7, count: 32))
        #expect(throws: SignatureError.invalidFieldLength(field: "uint256", expected: 32, actual: 33)) {
            try abiEncodeUInt256s([[1] + [UInt8](repeating: 0, count: 32)])
        }
    }
}
