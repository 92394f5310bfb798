import FHEKeys

/// Which keys' noise threshold key generation draws exactly, as TUniform from shared bits (`SharedTUniformNoise`),
/// rather than as a PRSS-mask. A PRSS-mask is free but sums C(n, t) uniform terms, so a key's noise variance is
/// C(n, t) times the centralized one; bits cost b + 2 per sample (docs/KEYGEN.md "Noise").
public struct KeyGenNoiseSources: Sendable, Equatable {
    public var keySwitchingFromBits: Bool
    public var bootstrappingFromBits: Bool

    public init(keySwitchingFromBits: Bool, bootstrappingFromBits: Bool) {
        self.keySwitchingFromBits = keySwitchingFromBits
        self.bootstrappingFromBits = bootstrappingFromBits
    }

    /// The cheapest choice that keeps the PBS input within the noise reduction's budget
    /// (`NoiseModel.modulusSwitchInputVarianceBudget`), and so the failure probability of docs/FHE_PARAMETERS.md:
    /// PRSS-masks where their C(n, t) factor fits, else the key switching key from bits (it dominates the PBS input),
    /// else both. Production (4, 1) and (7, 2): the key switching key from bits; (10, 3) and beyond: both; the test
    /// set: neither (its key noise is negligible against the gadget's rounding).
    public static func required(parameters: FHEParameters, multiBit: Bool, partyCount: Int, threshold: Int) -> KeyGenNoiseSources {
        let subsets = Double(PRSS.subsets(partyCount: partyCount, threshold: threshold).count)
        let budget = NoiseModel.modulusSwitchInputVarianceBudget(parameters, multiBit: multiBit)
        let fits = { (switching: Double, bootstrapping: Double) in
            NoiseModel.modulusSwitchInputVariance(parameters, multiBit: multiBit, keySwitchingKeyNoiseFactor: switching,
                                                  bootstrappingKeyNoiseFactor: bootstrapping) <= budget
        }
        if fits(subsets, subsets) { return KeyGenNoiseSources(keySwitchingFromBits: false, bootstrappingFromBits: false) }
        if fits(1, subsets) { return KeyGenNoiseSources(keySwitchingFromBits: true, bootstrappingFromBits: false) }
        return KeyGenNoiseSources(keySwitchingFromBits: true, bootstrappingFromBits: true)
    }
}
