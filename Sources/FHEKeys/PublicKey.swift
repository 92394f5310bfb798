import Algebra

/// Compact public key: one RLWE/GLWE encryption of zero under S, (A, B = Σ A_c·S_c + e), A from a seed.
/// Anyone encrypts m as (A·r + e1, B·r + e2 + m·Δ) with binary r; sample extraction and key switching then
/// give an LWE ciphertext under the small key (the form every server-key operation expects).
public struct CompactPublicKey: Sendable, Equatable {
    public let parameters: FHEParameters
    public let seed: [UInt8]
    public var body: [FieldElement]

    static let domain = "TKMS-FHE-PK-mask"

    public static func expandMask(seed: [UInt8], parameters: FHEParameters) -> [FieldElement] {
        var generator = SeededGenerator(seed: seed, domain: domain)
        return (0..<parameters.bigLWEDimension).map { _ in FieldElement.random(using: &generator) }
    }

    /// B = Σ A_c·S_c + e: linear in (S, e), usable on shares.
    public static func body(mask: [FieldElement], bigSecret: [FieldElement], noise: [FieldElement], parameters: FHEParameters) -> [FieldElement] {
        let N = parameters.polynomialSize
        let ntt = NegacyclicNTT(size: N)
        var body = noise
        for c in 0..<parameters.glweDimension {
            let product = ntt.multiply(Array(mask[(c * N)..<((c + 1) * N)]), Array(bigSecret[(c * N)..<((c + 1) * N)]))
            for t in 0..<N { body[t] += product[t] }
        }
        return body
    }

    public static func generate<G: RandomNumberGenerator>(
        _ key: GLWESecretKey, parameters: FHEParameters, seed: [UInt8], using generator: inout G
    ) -> CompactPublicKey {
        var noise = (0..<parameters.polynomialSize).map { _ in Arithmetic.tUniform(log2Bound: parameters.glweNoiseLog2, using: &generator) }
        var secret = key.coefficients
        defer { noise.zeroize(); secret.zeroize() }
        let mask = expandMask(seed: seed, parameters: parameters)
        return CompactPublicKey(parameters: parameters, seed: seed,
                                body: body(mask: mask, bigSecret: secret, noise: noise, parameters: parameters))
    }

    /// Encrypts under the extracted big key (LWE of dimension k·N); key-switch with the server key's KSK.
    public func encryptBig<G: RandomNumberGenerator>(_ message: UInt64, using generator: inout G) -> LWECiphertext {
        let N = parameters.polynomialSize, k = parameters.glweDimension
        let ntt = NegacyclicNTT(size: N)
        let mask = Self.expandMask(seed: seed, parameters: parameters)
        let r = Arithmetic.binary(count: N, using: &generator)
        var glwe = [FieldElement](repeating: .zero, count: (k + 1) * N)
        for c in 0..<k {
            let product = ntt.multiply(Array(mask[(c * N)..<((c + 1) * N)]), r)
            for t in 0..<N { glwe[c * N + t] = product[t] + Arithmetic.tUniform(log2Bound: parameters.glweNoiseLog2, using: &generator) }
        }
        let product = ntt.multiply(body, r)
        for t in 0..<N { glwe[k * N + t] = product[t] + Arithmetic.tUniform(log2Bound: parameters.glweNoiseLog2, using: &generator) }
        glwe[k * N] += Encoding.encode(message, parameters)
        return BootstrappingKey.sampleExtract(glwe, glweDimension: k, polynomialSize: N)
    }

    /// Public-key encryption to an LWE ciphertext under the small key.
    public func encrypt<G: RandomNumberGenerator>(_ message: UInt64, keySwitchingKey: KeySwitchingKey, using generator: inout G) -> LWECiphertext {
        keySwitchingKey.keySwitch(encryptBig(message, using: &generator))
    }

    /// Radix encryption with the public key.
    public func encrypt<G: RandomNumberGenerator>(
        _ value: (low: UInt64, high: UInt64), as type: FheType, keySwitchingKey: KeySwitchingKey, using generator: inout G
    ) -> RadixCiphertext {
        let blocks = (0..<type.blockCount).map { i -> LWECiphertext in
            let bit = 2 * i
            let word = bit < 64 ? value.low >> UInt64(bit) : value.high >> UInt64(bit - 64)
            return encrypt(type == .bool ? word & 1 : word & 3, keySwitchingKey: keySwitchingKey, using: &generator)
        }
        return RadixCiphertext(blocks: blocks, bitWidth: type.rawValue)
    }

    public func serialized() -> [UInt8] {
        FHESerialization.seeded(.compactPublicKey, parameters, seed: seed, bodies: body)
    }
    public init(parameters: FHEParameters, seed: [UInt8], body: [FieldElement]) {
        self.parameters = parameters; self.seed = seed; self.body = body
    }
    public init(serialized bytes: [UInt8]) throws(FHEError) {
        let (parameters, seed, body) = try FHESerialization.readSeeded(bytes, .compactPublicKey) { $0.polynomialSize }
        self.init(parameters: parameters, seed: seed, body: body)
    }
}
