import Algebra
import Testing
@testable import FHEKeys

/// Issue 13 item 1: the modulus switch noise reduction. The switch error's mean and variance given the public
/// rounding errors (the model the 2^−128 derivation rests on) are measured against the true error computed with
/// the key, at the production dimension; the reduction keeps messages and brings ciphertexts within the margin.
@Suite struct ModulusSwitchNoiseReductionTests {
    /// The exact switch error ρ_b − Σ ρ_i·s_i in units of p/2N (the key is known here).
    static func switchError(_ c: LWECiphertext, key: LWESecretKey, parameters: FHEParameters) -> Double {
        let scale = Double(2 * parameters.polynomialSize) / Double(FieldElement.modulus)
        func rounding(_ v: FieldElement) -> Double { let x = Double(v.value) * scale; return x.rounded() - x }
        let s = key.coefficients
        var error = rounding(c.body)
        for i in 0..<c.mask.count where s[i] == .one { error -= rounding(c.mask[i]) }
        return error
    }

    @Test func switchErrorModelAndReductionAtProductionDimension() {
        var generator = SeededGenerator(seed: [80], domain: "msnr-production")
        let parameters = FHEParameters.production
        let key = LWESecretKey.insecureDeterministicGenerate(dimension: parameters.lweDimension, using: &generator)
        let reduction = ModulusSwitchNoiseReductionKey.generate(small: key, parameters: parameters,
                                                                seed: Array(repeating: 9, count: 32), using: &generator)
        let inputVariance = NoiseModel.modulusSwitchInputVariance(parameters, multiBit: true)
        let margin = ModulusSwitchNoiseReductionKey.margin(parameters)
        #expect(margin == 64)
        var standardized: [Double] = [], before: [Double] = [], after: [Double] = [], predictedAfter: [Double] = []
        var accepted = 0
        let samples = 600
        for _ in 0..<samples {
            let m = generator.next() % 16
            let c = key.encrypt(message: m, parameters: parameters, using: &generator)
            let improved = reduction.improve(c, inputVariance: inputVariance)
            #expect(key.decrypt(improved, parameters: parameters) == m)
            // The phase moves by one zero's noise at most (TUniform(45)).
            #expect(abs(Arithmetic.signed(improved.phase(key) - c.phase(key))) <= Int64(1) << 45)
            let (mean, variance) = reduction.switchErrorEstimate(improved)
            if abs(mean) + parameters.modulusSwitchSigmaFactor * (variance + inputVariance).squareRoot() <= margin { accepted += 1 }
            let error = Self.switchError(improved, key: key, parameters: parameters)
            standardized.append((error - mean) / variance.squareRoot())
            before.append(Self.switchError(c, key: key, parameters: parameters))
            after.append(error)
            predictedAfter.append(mean * mean + variance)
        }
        // 1449 zeros: a ciphertext that no zero brings within the margin has probability < 2^−300 (docs).
        #expect(accepted == samples)
        // The conditional model: (error − μ)/σ has mean 0 and variance 1 (sampling error ≈ 0.06 for 600 samples).
        let mean = standardized.reduce(0, +) / Double(samples)
        let variance = standardized.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples)
        #expect(abs(mean) < 0.15, "standardized mean \(mean)")
        #expect(variance > 0.8 && variance < 1.2, "standardized variance \(variance)")
        // The switch error's variance after the reduction, measured against what the model predicts for these
        // ciphertexts, and against the plain switch's (n/2 + 1)/12.
        let measured = after.map { $0 * $0 }.reduce(0, +) / Double(samples)
        let predicted = predictedAfter.reduce(0, +) / Double(samples)
        #expect(measured / predicted > 0.8 && measured / predicted < 1.25, "measured \(measured), predicted \(predicted)")
        let plain = before.map { $0 * $0 }.reduce(0, +) / Double(samples)
        let plainModel = NoiseModel.modulusSwitchVariance(parameters)
        #expect(plain / plainModel > 0.8 && plain / plainModel < 1.25, "plain \(plain), model \(plainModel)")
        #expect(measured < 0.6 * plain, "reduced \(measured) vs plain \(plain)")
    }

    @Test func serverKeyWithReductionBootstrapsAndRoundTrips() throws {
        var generator = SeededGenerator(seed: [81], domain: "msnr-server")
        let p = TestKeys.parameters, client = TestKeys.client
        let server = TestKeys.server
        let reduction = try #require(server.modulusSwitchNoiseReduction)
        for _ in 0..<20 {
            let table = (0..<p.plaintextModulus).map { _ in generator.next() % p.plaintextModulus }
            let m = generator.next() % p.plaintextModulus
            let c = client.encrypt(m, using: &generator)
            #expect(client.decrypt(server.apply(table, to: c)) == table[Int(m)])
        }
        // Format version 2 with the reduction key; without it, version 1 as in 0.1.0.
        let bytes = server.serialized()
        #expect(bytes[5] == 2)
        let reloaded = try ServerKey(serialized: bytes)
        #expect(reloaded.modulusSwitchNoiseReduction?.bodies == reduction.bodies)
        #expect(reloaded.serialized() == bytes)
        #expect(try ServerKey.keySwitchingKey(fromSerialized: bytes) == server.keySwitchingKey)
        let withoutReduction = ServerKey(blindRotationKey: server.blindRotationKey, keySwitchingKey: server.keySwitchingKey)
        let old = withoutReduction.serialized()
        #expect(old[5] == 1)
        #expect(try ServerKey(serialized: old).modulusSwitchNoiseReduction == nil)
        #expect(try ServerKey.keySwitchingKey(fromSerialized: old) == server.keySwitchingKey)
        #expect(throws: FHEError.self) { try ServerKey(serialized: Array(bytes.dropLast())) }
        #expect(try ModulusSwitchNoiseReductionKey(serialized: reduction.serialized()).bodies == reduction.bodies)
    }
}
