import Algebra
import Synchronization
import Testing
@testable import FHEKeys

/// Issue 13 item 4: FHE secret keys live in owned storage that is wiped when released.
@Suite struct SecretCoefficientsTests {
    /// What the release observer saw: the bytes of the storage just before deallocation.
    final class Observed: Sendable {
        let bytes = Mutex<[UInt8]?>(nil)
    }

    @Test func storageIsZeroizedWhenReleased() {
        var generator = SeededGenerator(seed: Array("secret-coefficients".utf8), domain: "test")
        let observed = Observed()
        var values = (0..<257).map { _ in FieldElement.random(using: &generator) }
        values[0] = FieldElement(0xdead_beef)  // at least one non-zero word whatever the generator gives
        do {
            let storage = SecretCoefficients(values) { raw in observed.bytes.withLock { $0 = Array(raw) } }
            #expect(storage.elements == values)
            #expect(observed.bytes.withLock { $0 } == nil)
            withExtendedLifetime(storage) {}
        }
        let seen = observed.bytes.withLock { $0 }
        #expect(seen?.count == 257 * 8)
        #expect(seen?.allSatisfy { $0 == 0 } == true)
    }

    @Test func keysKeepTheirCoefficientsAndCompareByContent() throws {
        var generator = SeededGenerator(seed: Array("secret-keys".utf8), domain: "test")
        let parameters = FHEParameters.insecureTest
        for _ in 0..<20 {
            let client = ClientKey.insecureDeterministicGenerate(parameters: parameters, using: &generator)
            let small = client.small.coefficients, big = client.big.coefficients
            #expect(small.count == parameters.lweDimension && big.count == parameters.bigLWEDimension)
            #expect((small + big).allSatisfy { $0.value <= 1 })
            #expect(LWESecretKey(coefficients: small) == client.small)
            #expect(GLWESecretKey(coefficients: big) == client.big)
            #expect(client.big.extractedLWEKey.coefficients == big)
            var flipped = small
            flipped[flipped.count - 1] = FieldElement(1 - flipped[flipped.count - 1].value)
            #expect(LWESecretKey(coefficients: flipped) != client.small)
            // Serialization is unchanged by the storage: round trip and byte layout (header then words).
            let bytes = client.serialized()
            #expect(try ClientKey(serialized: bytes) == client)
            #expect(bytes.count == 7 + 8 * (small.count + big.count))
            #expect(bytes[7] == UInt8(small[0].value) && bytes[7 + 8 * small.count] == UInt8(big[0].value))
        }
    }

    @Test func zeroizeWipesATemporaryArray() {
        var values = (1...64).map { FieldElement(UInt64($0)) }
        values.zeroize()
        #expect(values.allSatisfy { $0 == .zero })
        #expect(values.count == 64)
    }
}
