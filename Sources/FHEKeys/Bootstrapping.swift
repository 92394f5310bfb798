import Algebra

/// GLWE secret key S (binary, k polynomials of size N) and its extracted LWE key, held in zeroized storage
/// (`SecretCoefficients`).
public struct GLWESecretKey: Sendable, Equatable {
    let storage: SecretCoefficients
    /// Copies `coefficients` into owned storage that is wiped on release (the caller should zeroize its copy).
    public init(coefficients: [FieldElement]) { storage = SecretCoefficients(coefficients) }
    /// A copy of the coefficients as an ordinary array: the caller owns it and should zeroize it.
    public var coefficients: [FieldElement] { storage.elements }
    /// Temporary read access to the coefficients without copying them; the pointer must not escape.
    public func withUnsafeCoefficients<R>(_ body: (UnsafeBufferPointer<FieldElement>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }
    public static func == (lhs: GLWESecretKey, rhs: GLWESecretKey) -> Bool { lhs.storage.constantTimeEquals(rhs.storage) }
    /// A fresh key from the system CSPRNG (no caller-supplied generator; see `LWESecretKey.generate`).
    public static func generate(parameters: FHEParameters) -> GLWESecretKey {
        var generator = SystemRandomNumberGenerator()
        return generate(parameters: parameters, using: &generator)
    }
    public static func generate(parameters: FHEParameters, using generator: inout SystemRandomNumberGenerator) -> GLWESecretKey {
        insecureDeterministicGenerate(parameters: parameters, using: &generator)
    }
    /// Any generator: for reproducible tests only (internal; reached with `@testable import`).
    static func insecureDeterministicGenerate<G: RandomNumberGenerator>(parameters: FHEParameters, using generator: inout G) -> GLWESecretKey {
        var coefficients = Arithmetic.binary(count: parameters.bigLWEDimension, using: &generator)
        defer { coefficients.zeroize() }
        return GLWESecretKey(coefficients: coefficients)
    }
    /// The LWE key under which sample extraction yields ciphertexts (the same storage, not a copy).
    public var extractedLWEKey: LWESecretKey { LWESecretKey(storage: storage) }
}

/// Bootstrapping key: GGSW(s_i) under S for each small-key coefficient, kept in NTT form.
/// Row (c, j) of GGSW(m) is a GLWE encryption of zero plus m·g_j added to component c (c = k is the body).
public struct BootstrappingKey: Sendable {
    public let parameters: FHEParameters
    public let seed: [UInt8]
    /// Flat NTT-domain values times N^−1 (so the blind rotation's inverse transforms skip the 1/N):
    /// [(i·rows + row)·(k+1) + component]·N. `NegacyclicNTT.inverseWithoutScaling` turns a row back into
    /// coefficients.
    public var ntt: [FieldElement]
    let transform: NegacyclicNTT

    static let domain = "TKMS-FHE-BSK-mask"
    var rows: Int { (parameters.glweDimension + 1) * parameters.pbsLevels }

    /// The bodies in coefficient form (inverse NTT of the body components): with the seed, the compressed key.
    public var bodies: [FieldElement] {
        let k = parameters.glweDimension, N = parameters.polynomialSize
        var out: [FieldElement] = []
        out.reserveCapacity(parameters.lweDimension * rows * N)
        for index in 0..<(parameters.lweDimension * rows) {
            let base = (index * (k + 1) + k) * N
            var poly = Array(ntt[base..<(base + N)])
            transform.inverseWithoutScaling(&poly)
            out.append(contentsOf: poly)
        }
        return out
    }

    /// GLWE masks from the seed: per (i, row), k polynomials in coefficient form.
    public static func expandMasks(seed: [UInt8], parameters: FHEParameters) -> [FieldElement] {
        expandMasks(seed: seed, domain: domain, ggswCount: parameters.lweDimension, parameters: parameters)
    }

    /// GLWE masks of `ggswCount` GGSWs expanded from the seed under a domain separator.
    static func expandMasks(seed: [UInt8], domain: String, ggswCount: Int, parameters: FHEParameters) -> [FieldElement] {
        var generator = SeededGenerator(seed: seed, domain: domain)
        let k = parameters.glweDimension, N = parameters.polynomialSize
        let count = ggswCount * (k + 1) * parameters.pbsLevels * k * N
        return (0..<count).map { _ in FieldElement.random(using: &generator) }
    }

    /// Bodies (coefficient form) of every GGSW row: B = Σ A_m·S_m + e + s_i·g_j (row c = k) or
    /// B = Σ A_m·S_m + e − s_i·g_j·S_c (row c < k). Linear in (S, e) and in s_i; the c < k term is a product
    /// of two secrets, which a threshold DKG computes with one shared multiplication per coefficient.
    public static func bodies(
        masks: [FieldElement], smallSecret: [FieldElement], bigSecret: [FieldElement], noise: [FieldElement],
        parameters: FHEParameters
    ) -> [FieldElement] {
        let kN = parameters.bigLWEDimension
        var products = [FieldElement](repeating: .zero, count: smallSecret.count * kN)
        for i in 0..<smallSecret.count {
            for t in 0..<kN { products[i * kN + t] = smallSecret[i] * bigSecret[t] }
        }
        return bodies(masks: masks, smallSecret: smallSecret, bigSecret: bigSecret, products: products,
                      noise: noise, parameters: parameters)
    }

    /// The same bodies with the secret products given: `products[i·kN + c·N + t]` = s_i·S_c[t]. Every input
    /// enters linearly, so a party evaluating this on its Shamir shares (products from shared multiplication)
    /// gets a share of each body (DESIGN §3.4).
    public static func bodies(
        masks: [FieldElement], smallSecret: [FieldElement], bigSecret: [FieldElement], products: [FieldElement],
        noise: [FieldElement], parameters: FHEParameters
    ) -> [FieldElement] {
        let k = parameters.glweDimension, N = parameters.polynomialSize, levels = parameters.pbsLevels, kN = k * N
        let ntt = NegacyclicNTT(size: N)
        let secretNTT: [[FieldElement]] = (0..<k).map { c in
            var poly = Array(bigSecret[(c * N)..<((c + 1) * N)]); ntt.forward(&poly); return poly
        }
        var out = [FieldElement](repeating: .zero, count: smallSecret.count * (k + 1) * levels * N)
        var acc = [FieldElement](repeating: .zero, count: N)
        var a = [FieldElement](repeating: .zero, count: N)
        for i in 0..<smallSecret.count {
            for row in 0..<((k + 1) * levels) {
                let c = row / levels, j = row % levels
                let index = i * (k + 1) * levels + row
                for t in 0..<N { acc[t] = .zero }
                for m in 0..<k {
                    let base = (index * k + m) * N
                    for t in 0..<N { a[t] = masks[base + t] }
                    ntt.forward(&a)
                    for t in 0..<N { acc[t] += a[t] * secretNTT[m][t] }
                }
                ntt.inverse(&acc)
                for t in 0..<N { acc[t] += noise[index * N + t] }
                let g = FieldElement(Arithmetic.gadget(baseLog: parameters.pbsBaseLog, level: j + 1))
                if c == k {
                    acc[0] += smallSecret[i] * g
                } else {
                    // −s_i·g_j·S_c in the body equals adding s_i·g_j to mask c, and keeps masks seed-derived.
                    let productBase = i * kN + c * N
                    for t in 0..<N { acc[t] -= g * products[productBase + t] }
                }
                for t in 0..<N { out[index * N + t] = acc[t] }
            }
        }
        return out
    }

    public static func generate<G: RandomNumberGenerator>(
        small: LWESecretKey, big: GLWESecretKey, parameters: FHEParameters, seed: [UInt8], using generator: inout G
    ) -> BootstrappingKey {
        let k = parameters.glweDimension, N = parameters.polynomialSize, levels = parameters.pbsLevels
        let masks = expandMasks(seed: seed, parameters: parameters)
        var noise = (0..<(small.dimension * (k + 1) * levels * N)).map { _ in
            Arithmetic.tUniform(log2Bound: parameters.glweNoiseLog2, using: &generator)
        }
        var smallSecret = small.coefficients, bigSecret = big.coefficients
        defer { noise.zeroize(); smallSecret.zeroize(); bigSecret.zeroize() }
        let bodies = bodies(masks: masks, smallSecret: smallSecret, bigSecret: bigSecret, noise: noise, parameters: parameters)
        return BootstrappingKey(seed: seed, bodies: bodies, parameters: parameters)
    }

    /// Builds the NTT-form key from a seed (masks) and the bodies (the seeded, compressed form).
    public init(seed: [UInt8], bodies: [FieldElement], parameters: FHEParameters) {
        let masks = Self.expandMasks(seed: seed, parameters: parameters)
        let ntt = NegacyclicNTT(size: parameters.polynomialSize)
        self.parameters = parameters
        self.seed = seed
        self.ntt = Self.nttForm(masks: masks, bodies: bodies, ggswCount: parameters.lweDimension,
                                parameters: parameters, transform: ntt)
        self.transform = ntt
    }

    /// GGSW rows (masks from the seed, bodies in coefficient form) in the blind rotation's layout: N^−1·NTT of each
    /// component, [(ggsw·rows + row)·(k+1) + component]·N. Shared by the multi-bit key.
    static func nttForm(masks: [FieldElement], bodies: [FieldElement], ggswCount: Int, parameters: FHEParameters,
                        transform ntt: NegacyclicNTT) -> [FieldElement] {
        let k = parameters.glweDimension, N = parameters.polynomialSize, levels = parameters.pbsLevels
        let rows = (k + 1) * levels
        let sizeInverse = FieldElement(UInt64(N)).inverse()!
        var flat = [FieldElement](repeating: .zero, count: ggswCount * rows * (k + 1) * N)
        for i in 0..<ggswCount {
            for row in 0..<rows {
                let index = i * rows + row
                for m in 0...k {
                    var poly = m < k
                        ? Array(masks[((index * k + m) * N)..<((index * k + m + 1) * N)])
                        : Array(bodies[(index * N)..<((index + 1) * N)])
                    ntt.forward(&poly)
                    let base = (index * (k + 1) + m) * N
                    for t in 0..<N { flat[base + t] = poly[t] * sizeInverse }
                }
            }
        }
        return flat
    }
}
