import Algebra

/// Binary LWE secret key s ∈ {0,1}^n, held in zeroized storage (`SecretCoefficients`).
public struct LWESecretKey: Sendable, Equatable {
    let storage: SecretCoefficients
    /// Copies `coefficients` into owned storage that is wiped on release (the caller should zeroize its copy).
    public init(coefficients: [FieldElement]) { storage = SecretCoefficients(coefficients) }
    init(storage: SecretCoefficients) { self.storage = storage }
    /// A copy of the coefficients as an ordinary array: the caller owns it and should zeroize it.
    public var coefficients: [FieldElement] { storage.elements }
    public var dimension: Int { storage.count }
    /// Temporary read access to the coefficients without copying them; the pointer must not escape.
    public func withUnsafeCoefficients<R>(_ body: (UnsafeBufferPointer<FieldElement>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }
    public static func == (lhs: LWESecretKey, rhs: LWESecretKey) -> Bool { lhs.storage.constantTimeEquals(rhs.storage) }
    /// A fresh key from the system CSPRNG. Key generation takes no caller-supplied generator: a weak or
    /// predictable one would make a predictable key.
    public static func generate(dimension: Int) -> LWESecretKey {
        var generator = SystemRandomNumberGenerator()
        return generate(dimension: dimension, using: &generator)
    }
    public static func generate(dimension: Int, using generator: inout SystemRandomNumberGenerator) -> LWESecretKey {
        insecureDeterministicGenerate(dimension: dimension, using: &generator)
    }
    /// Any generator: for reproducible tests only (internal; reached with `@testable import`).
    static func insecureDeterministicGenerate<G: RandomNumberGenerator>(dimension: Int, using generator: inout G) -> LWESecretKey {
        var coefficients = Arithmetic.binary(count: dimension, using: &generator)
        defer { coefficients.zeroize() }
        return LWESecretKey(coefficients: coefficients)
    }
}

/// LWE ciphertext (a, b) with b = ⟨a, s⟩ + e + m·Δ over GF(p).
public struct LWECiphertext: Sendable, Equatable {
    public var mask: [FieldElement]
    public var body: FieldElement
    public init(mask: [FieldElement], body: FieldElement) { self.mask = mask; self.body = body }
    public var dimension: Int { mask.count }

    /// b − ⟨a, s⟩ = e + m·Δ. Constant time in the key: every mask element is added, selected by an all-ones or
    /// all-zero mask made from the key bit, never by a branch on it (the key is binary).
    public func phase(_ key: LWESecretKey) -> FieldElement {
        precondition(key.dimension == mask.count, "key dimension \(key.dimension) ≠ ciphertext dimension \(mask.count)")
        var sum = FieldElement.zero
        key.withUnsafeCoefficients { coefficients in
            for i in 0..<mask.count {
                let select = 0 &- (coefficients[i].value & 1)
                sum += FieldElement(mask[i].value & select)
            }
        }
        return body - sum
    }

    public static func + (x: LWECiphertext, y: LWECiphertext) -> LWECiphertext {
        LWECiphertext(mask: zip(x.mask, y.mask).map { $0 + $1 }, body: x.body + y.body)
    }
    public static func - (x: LWECiphertext, y: LWECiphertext) -> LWECiphertext {
        LWECiphertext(mask: zip(x.mask, y.mask).map { $0 - $1 }, body: x.body - y.body)
    }
    /// Multiplies by a small public integer.
    public func scaled(by factor: UInt64) -> LWECiphertext {
        let f = FieldElement(factor)
        return LWECiphertext(mask: mask.map { $0 * f }, body: body * f)
    }
    /// Adds a plaintext constant (already a multiple of Δ).
    public func adding(plaintext: FieldElement) -> LWECiphertext {
        LWECiphertext(mask: mask, body: body + plaintext)
    }
    public static func trivial(dimension: Int, plaintext: FieldElement) -> LWECiphertext {
        LWECiphertext(mask: [FieldElement](repeating: .zero, count: dimension), body: plaintext)
    }
}

/// Message ↔ plaintext encoding: m ↦ m·Δ; decoding rounds v·2^t/p (t = plaintext bits incl. padding).
public enum Encoding {
    public static func encode(_ message: UInt64, _ parameters: FHEParameters) -> FieldElement {
        FieldElement((message % (1 << UInt64(parameters.plaintextBits))) &* parameters.delta)
    }
    public static func decode(_ phase: FieldElement, _ parameters: FHEParameters) -> UInt64 {
        Arithmetic.roundScale(phase.value, bits: parameters.plaintextBits)
    }
}

extension LWESecretKey {
    /// Encrypts a plaintext (field element) with mask from `generator` and TUniform noise.
    public func encrypt<G: RandomNumberGenerator>(
        plaintext: FieldElement, noiseLog2: Int, using generator: inout G
    ) -> LWECiphertext {
        let mask = (0..<dimension).map { _ in FieldElement.random(using: &generator) }
        let noise = Arithmetic.tUniform(log2Bound: noiseLog2, using: &generator)
        let body = withUnsafeCoefficients { secret in
            var sum = noise + plaintext
            for i in 0..<mask.count { sum += mask[i] * secret[i] }
            return sum
        }
        return LWECiphertext(mask: mask, body: body)
    }

    /// b = ⟨a, s⟩ + e + μ: linear in (s, e), so the threshold DKG can evaluate it on shares.
    public static func body(mask: [FieldElement], secret: [FieldElement], noise: FieldElement, plaintext: FieldElement) -> FieldElement {
        var sum = noise + plaintext
        for i in 0..<mask.count { sum += mask[i] * secret[i] }
        return sum
    }

    public func encrypt<G: RandomNumberGenerator>(
        message: UInt64, parameters: FHEParameters, using generator: inout G
    ) -> LWECiphertext {
        encrypt(plaintext: Encoding.encode(message, parameters), noiseLog2: parameters.lweNoiseLog2, using: &generator)
    }

    /// Decrypts to the message including carry bits (mod 2^(plaintextBits)).
    public func decrypt(_ ciphertext: LWECiphertext, parameters: FHEParameters) -> UInt64 {
        Encoding.decode(ciphertext.phase(self), parameters)
    }
}
