import Algebra
import Testing
@testable import FHEKeys

/// Issue 15 item 6: the phase b − ⟨a, s⟩ is computed without branching on key bits; it must equal the
/// straightforward branching definition on random keys and ciphertexts.
@Suite struct LWEPhaseTests {
    static func referencePhase(_ ciphertext: LWECiphertext, _ key: LWESecretKey) -> FieldElement {
        var sum = FieldElement.zero
        for i in 0..<ciphertext.mask.count where key.coefficients[i].value != 0 { sum += ciphertext.mask[i] }
        return ciphertext.body - sum
    }

    @Test func constantTimePhaseMatchesTheDefinitionOnRandomKeys() {
        var generator = SeededGenerator(seed: Array("lwe-phase".utf8), domain: "test")
        for dimension in [1, 7, 64, 630] {
            for _ in 0..<20 {
                let key = LWESecretKey.insecureDeterministicGenerate(dimension: dimension, using: &generator)
                let ciphertext = LWECiphertext(mask: (0..<dimension).map { _ in FieldElement.random(using: &generator) },
                                               body: FieldElement.random(using: &generator))
                #expect(ciphertext.phase(key) == Self.referencePhase(ciphertext, key))
                // Also equal to b − Σ a_i·s_i computed with field multiplications.
                let product = zip(ciphertext.mask, key.coefficients).reduce(FieldElement.zero) { $0 + $1.0 * $1.1 }
                #expect(ciphertext.phase(key) == ciphertext.body - product)
            }
        }
        // Keys from the system CSPRNG decrypt what they encrypt.
        let parameters = FHEParameters.insecureTest
        let client = ClientKey.generate(parameters: parameters)
        var system = SystemRandomNumberGenerator()
        for message in 0..<UInt64(4) { #expect(client.decrypt(client.encrypt(message, using: &system)) == message) }
    }
}
