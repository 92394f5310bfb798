import Algebra

/// Multi-bit bootstrapping key, grouping factor 2 (Joye & Paillier, "Blind rotation in fully homomorphic encryption
/// with extended keys", CSCML 2022; tfhe-rs' multi-bit PBS): the small-key coefficients are taken in pairs
/// (s_2g, s_2g+1) and the key holds, per pair, one GGSW under S of each non-zero bit pattern's indicator
///   pattern 1: s_2g·(1 − s_2g+1),  pattern 2: (1 − s_2g)·s_2g+1,  pattern 3: s_2g·s_2g+1.
/// Exactly one of the four patterns (with 00) holds, so X^(ã_2g·s_2g + ã_2g+1·s_2g+1) = 1 + Σ_p ind_p·(X^(e_p) − 1) with
/// e_1 = ã_2g, e_2 = ã_2g+1, e_3 = ã_2g + ã_2g+1, and one external product with Σ_p (X^(e_p) − 1)·GGSW(ind_p) (formed
/// in the NTT domain) rotates the accumulator by the pair: n/2 external products per PBS instead of n, with 3/2 the
/// key size. Same GGSW encryption as `BootstrappingKey` (its `bodies`), masks from the seed under its own domain.
public struct MultiBitBootstrappingKey: Sendable {
    /// Small-key coefficients per group.
    public static let groupSize = 2
    /// GGSWs per group: the non-zero bit patterns of a group.
    public static let patterns = (1 << groupSize) - 1
    static let domain = "TKMS-FHE-MBSK-mask"

    public let parameters: FHEParameters
    public let seed: [UInt8]
    /// Flat NTT-domain values times N^−1, GGSW i = group·3 + (pattern − 1):
    /// [(i·rows + row)·(k+1) + component]·N (as `BootstrappingKey.ntt`).
    public let ntt: [FieldElement]
    let transform: NegacyclicNTT
    let monomials: MonomialTable

    var rows: Int { (parameters.glweDimension + 1) * parameters.pbsLevels }
    public var groups: Int { parameters.lweDimension / Self.groupSize }
    public var ggswCount: Int { groups * Self.patterns }

    /// Whether a parameter set can use this key (its small-key dimension must be even).
    public static func supports(_ parameters: FHEParameters) -> Bool { parameters.lweDimension % groupSize == 0 }

    /// The bodies' count: what `bodies` returns and the serialized key holds.
    public static func bodyCount(parameters: FHEParameters) -> Int {
        parameters.lweDimension / groupSize * patterns * (parameters.glweDimension + 1) * parameters.pbsLevels
            * parameters.polynomialSize
    }

    /// GLWE masks of every GGSW row from the seed (coefficient form).
    public static func expandMasks(seed: [UInt8], parameters: FHEParameters) -> [FieldElement] {
        BootstrappingKey.expandMasks(seed: seed, domain: domain, ggswCount: parameters.lweDimension / groupSize * patterns,
                                     parameters: parameters)
    }

    /// The indicators [ind_1, ind_2, ind_3] of every group from the small key s and the pair products
    /// pairProducts[g] = s_2g·s_2g+1. Linear in (s, pairProducts): a DKG party evaluates it on its shares.
    public static func indicators(smallSecret s: [FieldElement], pairProducts: [FieldElement]) -> [FieldElement] {
        precondition(s.count % groupSize == 0 && pairProducts.count == s.count / groupSize, "indicator inputs do not match")
        var out = [FieldElement](repeating: .zero, count: pairProducts.count * patterns)
        for g in 0..<pairProducts.count {
            let both = pairProducts[g]
            out[3 * g] = s[2 * g] - both
            out[3 * g + 1] = s[2 * g + 1] - both
            out[3 * g + 2] = both
        }
        return out
    }

    /// ind·S for every indicator and big-key coefficient, [(3g + p − 1)·kN + t], from products[i·kN + t] = s_i·S[t]
    /// (as `BootstrappingKey.bodies` takes them) and pairBigProducts[g·kN + t] = s_2g·s_2g+1·S[t]. Linear in its inputs.
    public static func indicatorProducts(products: [FieldElement], pairBigProducts: [FieldElement], bigDimension kN: Int)
        -> [FieldElement] {
        let groups = pairBigProducts.count / kN
        precondition(products.count == groups * groupSize * kN, "product inputs do not match")
        var out = [FieldElement](repeating: .zero, count: groups * patterns * kN)
        for g in 0..<groups {
            for t in 0..<kN {
                let both = pairBigProducts[g * kN + t]
                out[(3 * g) * kN + t] = products[(2 * g) * kN + t] - both
                out[(3 * g + 1) * kN + t] = products[(2 * g + 1) * kN + t] - both
                out[(3 * g + 2) * kN + t] = both
            }
        }
        return out
    }

    /// Bodies (coefficient form) of every GGSW row: `BootstrappingKey.bodies` with the indicators as messages.
    public static func bodies(
        masks: [FieldElement], indicators: [FieldElement], bigSecret: [FieldElement], indicatorProducts: [FieldElement],
        noise: [FieldElement], parameters: FHEParameters
    ) -> [FieldElement] {
        BootstrappingKey.bodies(masks: masks, smallSecret: indicators, bigSecret: bigSecret, products: indicatorProducts,
                                noise: noise, parameters: parameters)
    }

    /// A key from the client key's secrets, masks from `seed`, noise (TUniform, as the classic key) from `generator`.
    public static func generate<G: RandomNumberGenerator>(
        small: LWESecretKey, big: GLWESecretKey, parameters: FHEParameters, seed: [UInt8], using generator: inout G
    ) -> MultiBitBootstrappingKey {
        precondition(supports(parameters), "multi-bit blind rotation needs an even small-key dimension")
        let kN = parameters.bigLWEDimension
        var s = small.coefficients, S = big.coefficients
        var pairs = (0..<(s.count / groupSize)).map { s[2 * $0] * s[2 * $0 + 1] }
        var indicators = indicators(smallSecret: s, pairProducts: pairs)
        var products = [FieldElement](repeating: .zero, count: indicators.count * kN)
        for i in 0..<indicators.count {
            for t in 0..<kN { products[i * kN + t] = indicators[i] * S[t] }
        }
        var noise = (0..<bodyCount(parameters: parameters)).map { _ in
            Arithmetic.tUniform(log2Bound: parameters.glweNoiseLog2, using: &generator)
        }
        defer { s.zeroize(); S.zeroize(); pairs.zeroize(); indicators.zeroize(); products.zeroize(); noise.zeroize() }
        let bodies = bodies(masks: expandMasks(seed: seed, parameters: parameters), indicators: indicators, bigSecret: S,
                            indicatorProducts: products, noise: noise, parameters: parameters)
        return MultiBitBootstrappingKey(seed: seed, bodies: bodies, parameters: parameters)
    }

    /// The NTT-form key from a seed (masks) and the bodies (the seeded, compressed form).
    public init(seed: [UInt8], bodies: [FieldElement], parameters: FHEParameters) {
        precondition(Self.supports(parameters), "multi-bit blind rotation needs an even small-key dimension")
        precondition(bodies.count == Self.bodyCount(parameters: parameters), "multi-bit key has \(bodies.count) body values")
        let transform = NegacyclicNTT(size: parameters.polynomialSize)
        self.parameters = parameters
        self.seed = seed
        self.ntt = BootstrappingKey.nttForm(
            masks: Self.expandMasks(seed: seed, parameters: parameters), bodies: bodies,
            ggswCount: parameters.lweDimension / Self.groupSize * Self.patterns, parameters: parameters, transform: transform)
        self.transform = transform
        self.monomials = MonomialTable(transform: transform)
    }

    /// The bodies in coefficient form (inverse NTT of the body components): with the seed, the compressed key.
    public var bodies: [FieldElement] {
        let k = parameters.glweDimension, N = parameters.polynomialSize
        var out: [FieldElement] = []
        out.reserveCapacity(ggswCount * rows * N)
        for index in 0..<(ggswCount * rows) {
            let base = (index * (k + 1) + k) * N
            var poly = Array(ntt[base..<(base + N)])
            transform.inverseWithoutScaling(&poly)
            out.append(contentsOf: poly)
        }
        return out
    }
}
