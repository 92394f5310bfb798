import Algebra

/// One LWE/GLWE parameter set over q = p (Goldilocks); see docs/FHE_PARAMETERS.md for each value's origin.
public struct FHEParameters: Sendable, Hashable {
    /// Identifier written in every serialized object.
    public let id: UInt8
    public let name: String
    /// Dimension of the small LWE key `s`.
    public let lweDimension: Int
    /// GLWE dimension k and polynomial size N of the big key `S`.
    public let glweDimension: Int
    public let polynomialSize: Int
    /// Bootstrapping-key gadget: base 2^pbsBaseLog, pbsLevels levels.
    public let pbsBaseLog: Int
    public let pbsLevels: Int
    /// Key-switching gadget: base 2^ksBaseLog, ksLevels levels.
    public let ksBaseLog: Int
    public let ksLevels: Int
    /// TUniform(b) noise: uniform integers in [−2^b, 2^b]; for LWE (small key) and GLWE (big key) samples.
    public let lweNoiseLog2: Int
    public let glweNoiseLog2: Int
    public let messageBits: Int
    public let carryBits: Int
    /// Modulus switch noise reduction (`ModulusSwitchNoiseReductionKey`): the number of encryptions of zero in the
    /// server key, and the factor r with which a ciphertext is accepted when |mean| + r·std of its modulus-switch
    /// error (given its public rounding errors) fits the decision margin (tfhe-rs ModulusSwitchNoiseReductionParams).
    public let modulusSwitchZeros: Int
    public let modulusSwitchSigmaFactor: Double

    /// Bits of plaintext per ciphertext, including the padding bit.
    public var plaintextBits: Int { messageBits + carryBits + 1 }
    /// Number of distinct plaintexts (message and carry) without the padding bit.
    public var plaintextModulus: UInt64 { 1 << UInt64(messageBits + carryBits) }
    public var messageModulus: UInt64 { 1 << UInt64(messageBits) }
    /// Δ = (p − 1) / 2^plaintextBits, exact because p − 1 = 2^32·(2^32 − 1).
    public var delta: UInt64 { (FieldElement.modulus - 1) >> UInt64(plaintextBits) }
    /// Dimension of the LWE key extracted from `S` (k·N).
    public var bigLWEDimension: Int { glweDimension * polynomialSize }

    /// Shape and noise-to-modulus ratios of tfhe-rs PARAM_MESSAGE_2_CARRY_2_KS_PBS_TUNIFORM_2M128, on q = p.
    public static let production = FHEParameters(
        id: 1, name: "goldilocks-m2c2-tuniform-2m128", lweDimension: 918, glweDimension: 1, polynomialSize: 2048,
        pbsBaseLog: 23, pbsLevels: 1, ksBaseLog: 4, ksLevels: 4, lweNoiseLog2: 45, glweNoiseLog2: 17,
        messageBits: 2, carryBits: 2, modulusSwitchZeros: 1449, modulusSwitchSigmaFactor: 13.179852282053789)

    /// INSECURE: tiny dimensions for fast tests only. Never use for real data.
    public static let insecureTest = FHEParameters(
        id: 2, name: "INSECURE-test", lweDimension: 32, glweDimension: 1, polynomialSize: 512,
        pbsBaseLog: 23, pbsLevels: 1, ksBaseLog: 4, ksLevels: 4, lweNoiseLog2: 30, glweNoiseLog2: 10,
        messageBits: 2, carryBits: 2, modulusSwitchZeros: 64, modulusSwitchSigmaFactor: 13.179852282053789)

    public static let all: [FHEParameters] = [production, insecureTest]

    public static func withID(_ id: UInt8) throws(FHEError) -> FHEParameters {
        guard let found = all.first(where: { $0.id == id }) else { throw .unknownParameterSet(id) }
        return found
    }
}
