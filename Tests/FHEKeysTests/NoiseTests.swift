import Algebra
import Testing
@testable import FHEKeys

/// Measures noise variance after KS and after PBS and compares with `NoiseModel` within a factor of 2.5
/// (sampling error of the variance estimate from s samples is about sqrt(2/s)).
@Suite struct NoiseTests {
    static func variance(_ values: [Double]) -> Double {
        values.map { $0 * $0 }.reduce(0, +) / Double(values.count)
    }

    @Test func keySwitchNoiseMatchesModel() {
        var generator = SeededGenerator(seed: [40], domain: "noise-ks")
        let p = TestKeys.parameters
        let big = TestKeys.client.big.extractedLWEKey
        var errors: [Double] = []
        for _ in 0..<300 {
            let m = generator.next() % 16
            let c = big.encrypt(plaintext: Encoding.encode(m, p), noiseLog2: 0, using: &generator)
            let out = TestKeys.server.keySwitchingKey.keySwitch(c)
            errors.append(Double(Arithmetic.signed(out.phase(TestKeys.client.small) - Encoding.encode(m, p))))
        }
        let ratio = Self.variance(errors) / NoiseModel.keySwitchVariance(p)
        #expect(ratio > 0.4 && ratio < 2.5, "KS variance ratio measured/model = \(ratio)")
    }

    @Test func bootstrapNoiseMatchesModel() {
        var generator = SeededGenerator(seed: [41], domain: "noise-pbs")
        let p = TestKeys.parameters
        let big = TestKeys.client.big.extractedLWEKey
        var errors: [Double] = []
        let table = (0..<p.plaintextModulus).map { $0 }
        for _ in 0..<40 {
            let m = generator.next() % 16
            let c = TestKeys.client.encrypt(m, using: &generator)
            let out = TestKeys.server.bootstrappingKey!.bootstrap(c, table: table)
            errors.append(Double(Arithmetic.signed(out.phase(big) - Encoding.encode(m, p))))
        }
        let ratio = Self.variance(errors) / NoiseModel.bootstrapVariance(p)
        #expect(ratio > 0.4 && ratio < 2.5, "PBS variance ratio measured/model = \(ratio)")
    }

    /// The multi-bit PBS output noise against `NoiseModel.multiBitBootstrapVariance` (3× and 1.5× the classic terms).
    @Test func multiBitBootstrapNoiseMatchesModel() {
        var generator = SeededGenerator(seed: [42], domain: "noise-multibit-pbs")
        let p = TestKeys.parameters
        let big = TestKeys.client.big.extractedLWEKey
        let key = MultiBitBootstrapTests.server
        var errors: [Double] = []
        let table = (0..<p.plaintextModulus).map { $0 }
        for _ in 0..<60 {
            let m = generator.next() % 16
            let c = TestKeys.client.encrypt(m, using: &generator)
            let out = key.bootstrap(c, table: table)
            errors.append(Double(Arithmetic.signed(out.phase(big) - Encoding.encode(m, p))))
        }
        let ratio = Self.variance(errors) / NoiseModel.multiBitBootstrapVariance(p)
        #expect(ratio > 0.5 && ratio < 2.0, "multi-bit PBS variance ratio measured/model = \(ratio)")
        let factor = NoiseModel.multiBitBootstrapVariance(p) / NoiseModel.bootstrapVariance(p)
        #expect(factor >= 1.5 && factor <= 3, "multi-bit / classic model = \(factor)")
    }
}
