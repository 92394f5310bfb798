import Algebra

/// The centralized key set's secret part: small LWE key s and GLWE key S.
public struct ClientKey: Sendable, Equatable {
    public let parameters: FHEParameters
    public var small: LWESecretKey
    public var big: GLWESecretKey

    public init(parameters: FHEParameters, small: LWESecretKey, big: GLWESecretKey) {
        self.parameters = parameters; self.small = small; self.big = big
    }

    /// A fresh key set from the system CSPRNG. Key generation takes no caller-supplied generator (issue 15): a
    /// weak or seeded one would make predictable keys.
    public static func generate(parameters: FHEParameters) -> ClientKey {
        var generator = SystemRandomNumberGenerator()
        return generate(parameters: parameters, using: &generator)
    }
    public static func generate(parameters: FHEParameters, using generator: inout SystemRandomNumberGenerator) -> ClientKey {
        insecureDeterministicGenerate(parameters: parameters, using: &generator)
    }
    /// INSECURE, test only: the key set derived from a seed (the test-only InsecureKeyGen, in which every core
    /// derives the same key from a jointly opened seed, so each of them knows it). Never for data that matters.
    public static func insecureFromSeed(_ seed: [UInt8], parameters: FHEParameters) -> ClientKey {
        var generator = FastSeededGenerator(seed: seed, domain: "kms.insecure-keygen.key")
        defer { generator.wipe() }
        return insecureDeterministicGenerate(parameters: parameters, using: &generator)
    }

    /// Any generator: for reproducible tests only (internal; reached with `@testable import`).
    static func insecureDeterministicGenerate<G: RandomNumberGenerator>(parameters: FHEParameters, using generator: inout G) -> ClientKey {
        ClientKey(parameters: parameters,
                  small: .insecureDeterministicGenerate(dimension: parameters.lweDimension, using: &generator),
                  big: .insecureDeterministicGenerate(parameters: parameters, using: &generator))
    }

    /// Server key (bootstrapping + key switching + modulus switch noise reduction) with masks derived from `seed`
    /// (as `KeySetSeeds` derives them); noise from `generator`.
    public func serverKey<G: RandomNumberGenerator>(seed: [UInt8], using generator: inout G) -> ServerKey {
        let bsk = BootstrappingKey.generate(small: small, big: big, parameters: parameters, seed: SHA3_256.hash(seed + [0x42]), using: &generator)
        let ksk = KeySwitchingKey.generate(from: big.extractedLWEKey, to: small, parameters: parameters, seed: SHA3_256.hash(seed + [0x4B]), using: &generator)
        return ServerKey(bootstrappingKey: bsk, keySwitchingKey: ksk,
                         modulusSwitchNoiseReduction: noiseReductionKey(seed: seed, using: &generator))
    }

    /// The modulus switch noise reduction key of a server key made from `seed`.
    public func noiseReductionKey<G: RandomNumberGenerator>(seed: [UInt8], using generator: inout G) -> ModulusSwitchNoiseReductionKey {
        .generate(small: small, parameters: parameters, seed: SHA3_256.hash(seed + [0x5A]), using: &generator)
    }

    /// Server key with the multi-bit bootstrapping key (grouping factor 2; same seeds as `serverKey`, the multi-bit
    /// masks under their own domain).
    public func multiBitServerKey<G: RandomNumberGenerator>(seed: [UInt8], using generator: inout G) -> ServerKey {
        let bsk = MultiBitBootstrappingKey.generate(small: small, big: big, parameters: parameters, seed: SHA3_256.hash(seed + [0x42]), using: &generator)
        let ksk = KeySwitchingKey.generate(from: big.extractedLWEKey, to: small, parameters: parameters, seed: SHA3_256.hash(seed + [0x4B]), using: &generator)
        return ServerKey(multiBitBootstrappingKey: bsk, keySwitchingKey: ksk,
                         modulusSwitchNoiseReduction: noiseReductionKey(seed: seed, using: &generator))
    }

    public func encrypt<G: RandomNumberGenerator>(_ message: UInt64, using generator: inout G) -> LWECiphertext {
        small.encrypt(message: message, parameters: parameters, using: &generator)
    }
    public func decrypt(_ ciphertext: LWECiphertext) -> UInt64 { small.decrypt(ciphertext, parameters: parameters) }
}
