import Algebra

/// Predicted noise variances (in field units) after key switching and after PBS; see docs/FHE_PARAMETERS.md.
public enum NoiseModel {
    static let p = Double(FieldElement.modulus)

    /// Variance of TUniform(b): ((2^(b+1) + 1)^2 − 1) / 12.
    public static func tUniformVariance(log2Bound b: Int) -> Double {
        let width = Double(UInt64(1) << UInt64(b + 1)) + 1
        return (width * width - 1) / 12
    }
    /// Variance of a balanced digit uniform in [−B/2, B/2): (B^2 + 2) / 12.
    static func digitVariance(baseLog: Int) -> Double {
        let b = Double(UInt64(1) << UInt64(baseLog)); return (b * b + 2) / 12
    }
    /// Variance of the gadget truncation error: (p / B^ℓ)^2 / 12.
    static func truncationVariance(baseLog: Int, levels: Int) -> Double {
        let step = p / Double(sign: .plus, exponent: baseLog * levels, significand: 1); return step * step / 12
    }

    /// Added by key switching: kN·ℓ·Var(digit)·Var(KSK noise) + (kN/2)·Var(truncation). `keyNoiseFactor` scales
    /// Var(KSK noise), e.g. C(n, t) for a key whose noise is a PRSS-mask (docs/KEYGEN.md).
    public static func keySwitchVariance(_ params: FHEParameters, keyNoiseFactor: Double = 1) -> Double {
        let kN = Double(params.bigLWEDimension)
        return kN * Double(params.ksLevels) * digitVariance(baseLog: params.ksBaseLog)
            * tUniformVariance(log2Bound: params.lweNoiseLog2) * keyNoiseFactor
            + kN / 2 * truncationVariance(baseLog: params.ksBaseLog, levels: params.ksLevels)
    }

    /// Output of PBS: n·(k+1)ℓN·Var(digit)·Var(BSK noise) + (n/2)·(1 + kN/2)·Var(truncation); `keyNoiseFactor`
    /// scales Var(BSK noise).
    public static func bootstrapVariance(_ params: FHEParameters, keyNoiseFactor: Double = 1) -> Double {
        let n = Double(params.lweDimension), kN = Double(params.bigLWEDimension)
        let rows = Double((params.glweDimension + 1) * params.pbsLevels)
        return n * rows * Double(params.polynomialSize) * digitVariance(baseLog: params.pbsBaseLog)
            * tUniformVariance(log2Bound: params.glweNoiseLog2) * keyNoiseFactor
            + n / 2 * (1 + kN / 2) * truncationVariance(baseLog: params.pbsBaseLog, levels: params.pbsLevels)
    }

    /// Output of the multi-bit PBS (grouping factor 2, `MultiBitBootstrappingKey`): per group the combined GGSW's
    /// noise is Σ_p (X^(e_p) − 1)·E_p (6 noise terms per coefficient instead of 1) and it meets the digits of the
    /// accumulator itself; the decomposition error meets X^(e*) − 1 (two terms) when the group's pattern is non-zero
    /// (probability 3/4): (n/2)·(k+1)ℓN·Var(digit)·6·Var(BSK noise) + (3n/4)·(1 + kN/2)·Var(truncation), i.e. 3 and
    /// 1.5 times the classic terms.
    public static func multiBitBootstrapVariance(_ params: FHEParameters, keyNoiseFactor: Double = 1) -> Double {
        let n = Double(params.lweDimension), kN = Double(params.bigLWEDimension)
        let rows = Double((params.glweDimension + 1) * params.pbsLevels)
        return n / 2 * rows * Double(params.polynomialSize) * digitVariance(baseLog: params.pbsBaseLog) * 6
            * tUniformVariance(log2Bound: params.glweNoiseLog2) * keyNoiseFactor
            + 3 * n / 4 * (1 + kN / 2) * truncationVariance(baseLog: params.pbsBaseLog, levels: params.pbsLevels)
    }

    /// Variance of a PBS input (a KS-PBS output plus one encryption of zero from the noise reduction) in units of
    /// the 2N step (p/2N)²: what `ModulusSwitchNoiseReductionKey.improve` adds to the switch error's own variance.
    /// The factors scale the two keys' noise variances (C(n, t) for PRSS-mask noise).
    public static func modulusSwitchInputVariance(
        _ params: FHEParameters, multiBit: Bool, keySwitchingKeyNoiseFactor: Double = 1, bootstrappingKeyNoiseFactor: Double = 1
    ) -> Double {
        let bootstrap = multiBit ? multiBitBootstrapVariance(params, keyNoiseFactor: bootstrappingKeyNoiseFactor)
            : bootstrapVariance(params, keyNoiseFactor: bootstrappingKeyNoiseFactor)
        let fieldUnits = keySwitchVariance(params, keyNoiseFactor: keySwitchingKeyNoiseFactor) + bootstrap
            + tUniformVariance(log2Bound: params.lweNoiseLog2)
        let step = p / Double(2 * params.polynomialSize)
        return fieldUnits / (step * step)
    }

    /// The bootstrapping-key noise factor the budget allows: C(7, 2) = 21, so at production parameters threshold key
    /// generation up to (7, 2) may draw that key's noise as a PRSS-mask (docs/KEYGEN.md), beyond it from shared bits.
    public static let bootstrappingKeyNoiseFactorLimit = 21.0

    /// The input variance the noise reduction budgets for (`ServerKey.bootstrap`): every server key this project
    /// makes — centralized, or threshold with the noise sources `KeyGenNoiseSources` picks — stays within it, so
    /// its guarantee holds for all of them (docs/FHE_PARAMETERS.md). At least 1 % above the centralized variance, so
    /// that where the keys' noise is negligible (the test set) any C(n, t) fits.
    public static func modulusSwitchInputVarianceBudget(_ params: FHEParameters, multiBit: Bool) -> Double {
        max(modulusSwitchInputVariance(params, multiBit: multiBit, bootstrappingKeyNoiseFactor: bootstrappingKeyNoiseFactorLimit),
            1.01 * modulusSwitchInputVariance(params, multiBit: multiBit))
    }

    /// Variance (in units of the 2N torus step) added by modulus switching of an n-dimensional ciphertext.
    public static func modulusSwitchVariance(_ params: FHEParameters) -> Double {
        (Double(params.lweDimension) / 2 + 1) / 12
    }
}
