import Algebra

/// The blind-rotation part of a server key: the classic bootstrapping key (one GGSW per small-key coefficient,
/// serialized format `bootstrappingKey`, version 1 since 0.1.0) or the multi-bit one (grouping factor 2, format
/// `multiBitBootstrappingKey`). Both compute the same PBS.
public enum BlindRotationKey: Sendable {
    case classic(BootstrappingKey)
    case multiBit(MultiBitBootstrappingKey)

    public var parameters: FHEParameters {
        switch self {
        case .classic(let key): key.parameters
        case .multiBit(let key): key.parameters
        }
    }

    /// PBS: LWE under s (encrypting m) → LWE under the extracted key S encrypting table[m].
    public func bootstrap(_ input: LWECiphertext, table: [UInt64]) -> LWECiphertext {
        switch self {
        case .classic(let key): key.bootstrap(input, table: table)
        case .multiBit(let key): key.bootstrap(input, table: table)
        }
    }
}

/// Server key: blind-rotation key + key-switching key (+ the modulus switch noise reduction key, without which the
/// production set fails about one PBS in 2^73.5 instead of 2^−128; docs/FHE_PARAMETERS.md). `apply` is the PBS
/// followed by KS.
public struct ServerKey: Sendable {
    public let blindRotationKey: BlindRotationKey
    public let keySwitchingKey: KeySwitchingKey
    public let modulusSwitchNoiseReduction: ModulusSwitchNoiseReductionKey?

    public init(bootstrappingKey: BootstrappingKey, keySwitchingKey: KeySwitchingKey,
                modulusSwitchNoiseReduction: ModulusSwitchNoiseReductionKey? = nil) {
        self.init(blindRotationKey: .classic(bootstrappingKey), keySwitchingKey: keySwitchingKey,
                  modulusSwitchNoiseReduction: modulusSwitchNoiseReduction)
    }
    public init(multiBitBootstrappingKey: MultiBitBootstrappingKey, keySwitchingKey: KeySwitchingKey,
                modulusSwitchNoiseReduction: ModulusSwitchNoiseReductionKey? = nil) {
        self.init(blindRotationKey: .multiBit(multiBitBootstrappingKey), keySwitchingKey: keySwitchingKey,
                  modulusSwitchNoiseReduction: modulusSwitchNoiseReduction)
    }
    public init(blindRotationKey: BlindRotationKey, keySwitchingKey: KeySwitchingKey,
                modulusSwitchNoiseReduction: ModulusSwitchNoiseReductionKey? = nil) {
        self.blindRotationKey = blindRotationKey
        self.keySwitchingKey = keySwitchingKey
        self.modulusSwitchNoiseReduction = modulusSwitchNoiseReduction
    }
    public var parameters: FHEParameters { blindRotationKey.parameters }

    /// The classic bootstrapping key, if this server key has one.
    public var bootstrappingKey: BootstrappingKey? {
        if case .classic(let key) = blindRotationKey { return key }
        return nil
    }
    /// The multi-bit bootstrapping key, if this server key has one.
    public var multiBitBootstrappingKey: MultiBitBootstrappingKey? {
        if case .multiBit(let key) = blindRotationKey { return key }
        return nil
    }

    /// PBS without the key switch (after the modulus switch noise reduction, when the key has it): the result is
    /// under the extracted big key.
    public func bootstrap(_ input: LWECiphertext, table: [UInt64]) -> LWECiphertext {
        guard let reduction = modulusSwitchNoiseReduction else { return blindRotationKey.bootstrap(input, table: table) }
        let variance = NoiseModel.modulusSwitchInputVarianceBudget(parameters, multiBit: multiBitBootstrappingKey != nil)
        return blindRotationKey.bootstrap(reduction.improve(input, inputVariance: variance), table: table)
    }

    /// Evaluates table[m] on a ciphertext under the small key; the result is again under the small key.
    public func apply(_ table: [UInt64], to input: LWECiphertext) -> LWECiphertext {
        keySwitchingKey.keySwitch(bootstrap(input, table: table))
    }
    public func apply(_ input: LWECiphertext, _ function: (UInt64) -> UInt64) -> LWECiphertext {
        apply((0..<parameters.plaintextModulus).map(function), to: input)
    }
}
