import Algebra
import Testing
@testable import FHEKeys

@Suite struct ModulusSwitchTests {
    /// After switching to 2^bits the message is the top plaintext bits of the phase, and the noise stays within
    /// a few standard deviations of the model (rounding variance (n/2 + 1)/12 steps plus the scaled noise).
    @Test(arguments: [11, 13, 20])
    func switchedPhaseDecodes(bits: Int) {
        var generator = SeededGenerator(seed: [60, UInt8(bits)], domain: "modulus-switch")
        let parameters = TestKeys.parameters
        let key = TestKeys.client.small
        let step = UInt64(1) << UInt64(bits - parameters.plaintextBits)
        var sumSquares = 0.0
        let samples = 300
        for _ in 0..<samples {
            let m = generator.next() % parameters.plaintextModulus
            let switched = TestKeys.client.encrypt(m, using: &generator).switchedModulus(bits: bits)
            #expect(switched.mask.allSatisfy { $0 < 1 << UInt64(bits) } && switched.body < 1 << UInt64(bits))
            let phase = switched.phase(key)
            // Signed distance to m·step modulo 2^bits.
            let modulus = Int64(1) << Int64(bits)
            var error = (Int64(phase) - Int64(m * step)) % modulus
            if error >= modulus / 2 { error -= modulus } else if error < -modulus / 2 { error += modulus }
            #expect(abs(error) < Int64(step / 2), "m \(m), error \(error)")
            sumSquares += Double(error * error)
        }
        let scale = Double(UInt64(1) << UInt64(bits)) / Double(FieldElement.modulus)
        let model = NoiseModel.modulusSwitchVariance(parameters)
            + NoiseModel.tUniformVariance(log2Bound: parameters.lweNoiseLog2) * scale * scale
        let measured = sumSquares / Double(samples)
        #expect(measured > 0.5 * model && measured < 2 * model, "measured \(measured), model \(model)")
    }
}
