import Algebra
import Testing
@testable import FHEKeys

/// Shared insecure test keys (generated once; key generation dominates test time in debug).
enum TestKeys {
    static let parameters = FHEParameters.insecureTest
    static let client: ClientKey = {
        var generator = SeededGenerator(seed: Array("fhe-tests".utf8), domain: "test")
        return ClientKey.insecureDeterministicGenerate(parameters: parameters, using: &generator)
    }()
    static let server: ServerKey = {
        var generator = SeededGenerator(seed: Array("fhe-tests-server".utf8), domain: "test")
        return client.serverKey(seed: Array(repeating: 7, count: 32), using: &generator)
    }()
}

@Suite struct BootstrapTests {
    @Test func lweRoundTrip() {
        var generator = SeededGenerator(seed: [1, 2, 3], domain: "lwe")
        let p = TestKeys.parameters
        for _ in 0..<200 {
            let m = generator.next() % p.plaintextModulus
            let c = TestKeys.client.small.encrypt(message: m, parameters: p, using: &generator)
            #expect(TestKeys.client.small.decrypt(c, parameters: p) == m)
        }
    }

    @Test func decompositionApproximatesValue() {
        var generator = SeededGenerator(seed: [4], domain: "decompose")
        for (baseLog, levels) in [(23, 1), (4, 4), (8, 3)] {
            for _ in 0..<500 {
                let x = FieldElement.random(using: &generator)
                var digits = [Int64](repeating: 0, count: levels)
                digits.withUnsafeMutableBufferPointer { Arithmetic.decompose(x.value, baseLog: baseLog, levels: levels, into: $0.baseAddress!) }
                var sum = FieldElement.zero
                for j in 0..<levels {
                    #expect(abs(digits[j]) <= Int64(1) << Int64(baseLog - 1))
                    sum += Arithmetic.field(digits[j]) * FieldElement(Arithmetic.gadget(baseLog: baseLog, level: j + 1))
                }
                let error = abs(Arithmetic.signed(x - sum))
                // |error| ≤ p / 2^(bℓ+1) + ℓ·B/4 (rounding of y plus rounding of the gadget values).
                #expect(error <= Int64(FieldElement.modulus >> UInt64(baseLog * levels + 1)) + Int64(levels << baseLog))
            }
        }
    }

    @Test func keySwitchPreservesMessage() {
        var generator = SeededGenerator(seed: [5], domain: "ks")
        let p = TestKeys.parameters
        let big = TestKeys.client.big.extractedLWEKey
        for _ in 0..<20 {
            let m = generator.next() % p.plaintextModulus
            let c = big.encrypt(plaintext: Encoding.encode(m, p), noiseLog2: p.glweNoiseLog2, using: &generator)
            let switched = TestKeys.server.keySwitchingKey.keySwitch(c)
            #expect(switched.dimension == p.lweDimension)
            #expect(TestKeys.client.small.decrypt(switched, parameters: p) == m)
        }
    }

    @Test func pbsWithRandomLookupTables() {
        var generator = SeededGenerator(seed: [6], domain: "pbs")
        let p = TestKeys.parameters
        for _ in 0..<6 {
            let table = (0..<p.plaintextModulus).map { _ in generator.next() % p.plaintextModulus }
            let m = generator.next() % p.plaintextModulus
            let c = TestKeys.client.small.encrypt(message: m, parameters: p, using: &generator)
            let raw = TestKeys.server.bootstrappingKey!.bootstrap(c, table: table)
            #expect(TestKeys.client.big.extractedLWEKey.decrypt(raw, parameters: p) == table[Int(m)])
            let out = TestKeys.server.apply(table, to: c)
            #expect(TestKeys.client.small.decrypt(out, parameters: p) == table[Int(m)])
        }
    }
}
