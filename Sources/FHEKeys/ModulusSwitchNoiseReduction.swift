import Algebra

/// Modulus switch noise reduction, as tfhe-rs does for its 2^−128 ("2M128") parameter sets (tfhe-rs
/// `improve_lwe_ciphertext_modulus_switch_noise_for_binary_key`; the analysis is Bernard, Joye, Smart, Walter,
/// "Drifting towards better error probabilities in fully homomorphic encryption schemes", ePrint 2024/1718).
///
/// Switching the PBS input to 2N rounds every coefficient: ã_i = a_i·2N/p + ρ_i with public ρ_i ∈ [−½, ½], and the
/// phase picks up ρ_b − Σ ρ_i·s_i (units of p/2N). Given the ρ, over a uniform binary key that error has mean
/// μ = ρ_b − Σρ_i/2 and variance Σρ_i²/4; with the input noise V_in the switched phase is within the decision margin
/// except with probability ≈ erfc(r/√2) whenever |μ| + r·√(Σρ_i²/4 + V_in) ≤ margin. The server key carries M public
/// encryptions of zero under the small key; a ciphertext whose measure is above the margin gets the first zero
/// (or, failing that, the best one) that brings it below: the message is unchanged, the noise grows by one fresh
/// TUniform term. docs/FHE_PARAMETERS.md derives p_fail ≤ 2^−128 for the production set from this.
public struct ModulusSwitchNoiseReductionKey: Sendable {
    public let parameters: FHEParameters
    public let seed: [UInt8]
    /// b_j = ⟨a_j, s⟩ + e_j for the M zeros (masks from the seed).
    public let bodies: [FieldElement]
    /// The M masks, expanded from the seed: [j·n + i].
    let masks: [FieldElement]

    static let domain = "TKMS-FHE-MSNR-mask"

    public static func expandMasks(seed: [UInt8], parameters: FHEParameters) -> [FieldElement] {
        var generator = SeededGenerator(seed: seed, domain: domain)
        return (0..<(parameters.modulusSwitchZeros * parameters.lweDimension)).map { _ in FieldElement.random(using: &generator) }
    }

    /// Bodies of the encryptions of zero: linear in (s, e), so a DKG party evaluates it on its shares.
    public static func bodies(masks: [FieldElement], smallSecret: [FieldElement], noise: [FieldElement],
                              parameters: FHEParameters) -> [FieldElement] {
        let n = parameters.lweDimension
        return (0..<parameters.modulusSwitchZeros).map { j in
            var sum = noise[j]
            for i in 0..<n { sum += masks[j * n + i] * smallSecret[i] }
            return sum
        }
    }

    /// The key from the small secret key, masks from `seed`, TUniform(lweNoiseLog2) noise from `generator`.
    public static func generate<G: RandomNumberGenerator>(
        small: LWESecretKey, parameters: FHEParameters, seed: [UInt8], using generator: inout G
    ) -> ModulusSwitchNoiseReductionKey {
        var noise = (0..<parameters.modulusSwitchZeros).map { _ in
            Arithmetic.tUniform(log2Bound: parameters.lweNoiseLog2, using: &generator)
        }
        var secret = small.coefficients
        defer { noise.zeroize(); secret.zeroize() }
        let masks = expandMasks(seed: seed, parameters: parameters)
        return ModulusSwitchNoiseReductionKey(
            parameters: parameters, seed: seed,
            bodies: bodies(masks: masks, smallSecret: secret, noise: noise, parameters: parameters), masks: masks)
    }

    public init(parameters: FHEParameters, seed: [UInt8], bodies: [FieldElement]) {
        self.init(parameters: parameters, seed: seed, bodies: bodies, masks: Self.expandMasks(seed: seed, parameters: parameters))
    }

    /// With the masks already expanded (they must be `expandMasks(seed:parameters:)`).
    public init(parameters: FHEParameters, seed: [UInt8], bodies: [FieldElement], masks: [FieldElement]) {
        precondition(bodies.count == parameters.modulusSwitchZeros, "expected \(parameters.modulusSwitchZeros) bodies")
        self.parameters = parameters
        self.seed = seed
        self.bodies = bodies
        self.masks = masks
    }

    /// The decision margin in units of p/2N: half a plaintext step, 2N / 2^(plaintextBits + 1).
    public static func margin(_ parameters: FHEParameters) -> Double {
        Double(2 * parameters.polynomialSize) / Double(1 << (parameters.plaintextBits + 1))
    }

    /// The modulus-switch error's mean and variance given the public rounding errors (units of p/2N), for the
    /// ciphertext plus zero `zero` (nil: the ciphertext alone).
    public func switchErrorEstimate(_ input: LWECiphertext, plusZero zero: Int? = nil) -> (mean: Double, variance: Double) {
        let scale = Double(2 * parameters.polynomialSize) / Double(FieldElement.modulus)
        @inline(__always) func rounding(_ v: FieldElement) -> Double {
            let x = Double(v.value) * scale
            return x.rounded() - x
        }
        let n = parameters.lweDimension
        var sum = 0.0, squares = 0.0
        let body: FieldElement
        if let j = zero {
            for i in 0..<n {
                let r = rounding(input.mask[i] + masks[j * n + i]); sum += r; squares += r * r
            }
            body = input.body + bodies[j]
        } else {
            for i in 0..<n { let r = rounding(input.mask[i]); sum += r; squares += r * r }
            body = input.body
        }
        return (rounding(body) - sum / 2, squares / 4)
    }

    /// |μ| + r·√(σ² + V_in): what must fit the margin (tfhe-rs' "noise estimation measure").
    func measure(_ input: LWECiphertext, plusZero zero: Int?, inputVariance: Double) -> Double {
        let (mean, variance) = switchErrorEstimate(input, plusZero: zero)
        return abs(mean) + parameters.modulusSwitchSigmaFactor * (variance + inputVariance).squareRoot()
    }

    /// The ciphertext (same message) whose modulus switch fits the margin: itself if it does, else itself plus the
    /// first encryption of zero that makes it fit, else plus the one with the smallest measure. `inputVariance`:
    /// the ciphertext's own noise variance in units of (p/2N)² (`NoiseModel.modulusSwitchInputVariance`).
    public func improve(_ input: LWECiphertext, inputVariance: Double) -> LWECiphertext {
        precondition(input.mask.count == parameters.lweDimension, "input has dimension \(input.mask.count)")
        let margin = Self.margin(parameters)
        var best = measure(input, plusZero: nil, inputVariance: inputVariance)
        if best <= margin { return input }
        var chosen: Int?
        for j in 0..<parameters.modulusSwitchZeros {
            let candidate = measure(input, plusZero: j, inputVariance: inputVariance)
            if candidate < best { best = candidate; chosen = j }
            if candidate <= margin { break }
        }
        guard let j = chosen else { return input }
        let n = parameters.lweDimension
        return LWECiphertext(mask: (0..<n).map { input.mask[$0] + masks[j * n + $0] }, body: input.body + bodies[j])
    }
}
