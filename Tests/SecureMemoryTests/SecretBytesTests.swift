import Testing
import SecureMemory

@Suite struct SecretBytesTests {
    @Test func descriptionNeverShowsBytes() {
        let secret = SecretBytes([0x41, 0x42, 0x43, 0x44])
        #expect(secret.description == "SecretBytes(4 bytes)")
        #expect("\(secret)" == "SecretBytes(4 bytes)")
        #expect(String(reflecting: secret) == "SecretBytes(4 bytes)")
    }

    @Test func holdsACopyOfTheBytes() {
        var source: [UInt8] = [1, 2, 3, 4, 5]
        let secret = SecretBytes(source)
        source.zeroize()
        #expect(source == [0, 0, 0, 0, 0])
        #expect(secret.withUnsafeBytes { Array($0) } == [1, 2, 3, 4, 5])
    }

    @Test func randomBytesDifferAndCompareInConstantTime() {
        let first = SecretBytes.random(count: 32)
        let second = SecretBytes.random(count: 32)
        #expect(first.count == 32)
        #expect(!first.constantTimeEquals(second))
        #expect(first.constantTimeEquals(SecretBytes(first.withUnsafeBytes { Array($0) })))
    }

    @Test func secureZeroWipesTheGivenBytesOnly() {
        var bytes: [UInt8] = Array(1...16)
        bytes.withUnsafeMutableBytes { secureZero(UnsafeMutableRawBufferPointer(rebasing: $0[4..<12])) }
        #expect(bytes == [1, 2, 3, 4] + [UInt8](repeating: 0, count: 8) + [13, 14, 15, 16])
        let storage = bytes.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        bytes.zeroize()
        #expect(bytes.allSatisfy { $0 == 0 })
        #expect(bytes.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) } == storage)
    }
}
