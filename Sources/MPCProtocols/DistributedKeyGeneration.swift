import Algebra
import FHEKeys

/// One party's result of a threshold key generation: the public keys (the same at every honest party) and
/// its shares of the secret keys.
public struct ThresholdKeySet: Sendable {
    public let seeds: KeySetSeeds
    public let publicKey: CompactPublicKey
    public let serverKey: ServerKey
    public var share: SecretKeyShare
}

/// KeyGen (DESIGN §3.4): a joint random seed expands into every mask (the keys are stored seeded); the
/// secret keys are the preprocessed shared bits; the key switching key's noise (and the bootstrapping key's at large
/// C(n, t)) is the material's exact TUniform noise, every other noise sample a PRSS-mask; every body is then
/// linear in shares this party holds (the bootstrapping key's s_i·S_t terms come preprocessed), so each party
/// computes its share of each body locally and one robust open per batch reveals the bodies to all.
/// Rounds: those of the seed (1) plus one per open batch; bytes per party: 8·(n − 1) per body. Material with the
/// multi-bit products (`KeyGenMaterial.isMultiBit`) makes a multi-bit bootstrapping key: its GGSW messages (the pair
/// patterns' indicators) and their products with S are linear in the shares of s, S, s_i·S_t, s_2g·s_2g+1 and
/// s_2g·s_2g+1·S_t, so the bodies are again computed locally and opened.
public enum DistributedKeyGeneration {
    /// Bodies per robust open (a 2 MiB message per peer).
    public static let defaultOpenBatch = 1 << 18

    /// The PRSS-mask bound for TUniform(b) noise: 2^b, so that the one term t corrupt parties cannot know (the
    /// honest subset's, uniform in [−2^b, 2^b]) is as wide as the centralized noise; the sum of all C(n, t)
    /// terms has C(n, t) times its variance (docs/KEYGEN.md).
    public static func noiseBound(log2: Int) -> UInt64 { UInt64(1) << UInt64(log2) }

    public static func run(
        material: KeyGenMaterial, prss: PRSS, context: PartyContext, session: SessionID, openBatch: Int = defaultOpenBatch,
        progress: (@Sendable (Double) -> Void)? = nil
    ) async throws -> ThresholdKeySet {
        let parameters = material.parameters
        let N = parameters.polynomialSize, kN = parameters.bigLWEDimension
        let seeds = KeySetSeeds(root: try await JointRandomSeed.generate(prss: prss, context: context, session: session.child("seed")))

        let glweBound = noiseBound(log2: parameters.glweNoiseLog2), lweBound = noiseBound(log2: parameters.lweNoiseLog2)
        var publicNoise = prss.maskShares(count: N, bound: glweBound, session: session.child("noise", 1))
        // Exact TUniform noise from the material's shared bits where it has it (the caller wipes the material); a
        // PRSS-mask otherwise (material of versions 1–2 for the key switching key; the bootstrapping key when C(n, t)
        // admits it), made and wiped here. Only what is made here is wiped here: wiping a shared array would copy it.
        let maskedSwitching = material.switchingNoise.isEmpty, maskedBootstrapping = material.bootstrappingNoise.isEmpty
        var switchingNoise = maskedSwitching
            ? prss.maskShares(count: kN * parameters.ksLevels, bound: lweBound, session: session.child("noise", 2))
            : material.switchingNoise
        let bootstrappingCount = KeyGenMaterial.bootstrappingNoiseCount(parameters, multiBit: material.isMultiBit)
        var bootstrappingNoise = maskedBootstrapping
            ? prss.maskShares(count: bootstrappingCount, bound: glweBound, session: session.child("noise", 3))
            : material.bootstrappingNoise
        var reductionNoise = prss.maskShares(count: parameters.modulusSwitchZeros, bound: lweBound, session: session.child("noise", 4))
        defer {
            zeroize(&publicNoise); zeroize(&reductionNoise)
            if maskedSwitching { zeroize(&switchingNoise) }
            if maskedBootstrapping { zeroize(&bootstrappingNoise) }
        }

        let switchingMasks = KeySwitchingKey.expandMasks(seed: seeds.keySwitchingKey, parameters: parameters)
        var shares = CompactPublicKey.body(
            mask: CompactPublicKey.expandMask(seed: seeds.publicKey, parameters: parameters), bigSecret: material.bigKey,
            noise: publicNoise, parameters: parameters)
        shares += KeySwitchingKey.bodies(
            masks: switchingMasks, smallSecret: material.smallKey, bigSecret: material.bigKey, noise: switchingNoise,
            parameters: parameters)
        if material.isMultiBit {
            var indicators = MultiBitBootstrappingKey.indicators(smallSecret: material.smallKey, pairProducts: material.pairProducts)
            var indicatorProducts = MultiBitBootstrappingKey.indicatorProducts(
                products: material.products, pairBigProducts: material.pairBigProducts, bigDimension: kN)
            defer { zeroize(&indicators); zeroize(&indicatorProducts) }
            shares += MultiBitBootstrappingKey.bodies(
                masks: MultiBitBootstrappingKey.expandMasks(seed: seeds.bootstrappingKey, parameters: parameters),
                indicators: indicators, bigSecret: material.bigKey, indicatorProducts: indicatorProducts,
                noise: bootstrappingNoise, parameters: parameters)
        } else {
            shares += BootstrappingKey.bodies(
                masks: BootstrappingKey.expandMasks(seed: seeds.bootstrappingKey, parameters: parameters),
                smallSecret: material.smallKey, bigSecret: material.bigKey, products: material.products,
                noise: bootstrappingNoise, parameters: parameters)
        }
        // The modulus switch noise reduction's encryptions of zero (linear in s and the noise), opened last.
        let reductionMasks = ModulusSwitchNoiseReductionKey.expandMasks(seed: seeds.modulusSwitchNoiseReduction, parameters: parameters)
        shares += ModulusSwitchNoiseReductionKey.bodies(masks: reductionMasks, smallSecret: material.smallKey,
                                                        noise: reductionNoise, parameters: parameters)
        defer { zeroize(&shares) }

        var opened = [FieldElement]()
        opened.reserveCapacity(shares.count)
        var start = 0, batch: UInt64 = 0
        while start < shares.count {
            let end = min(start + openBatch, shares.count)
            opened += try await RobustOpen.open(Array(shares[start..<end]), context: context, session: session.child("open", batch))
            start = end
            batch += 1
            progress?(Double(end) / Double(shares.count))
        }

        let switchingStart = N, bootstrappingStart = N + kN * parameters.ksLevels
        let publicKey = CompactPublicKey(parameters: parameters, seed: seeds.publicKey, body: Array(opened[0..<switchingStart]))
        let keySwitching = KeySwitchingKey(
            parameters: parameters, seed: seeds.keySwitchingKey, bodies: Array(opened[switchingStart..<bootstrappingStart]),
            masks: switchingMasks)
        let reductionStart = opened.count - parameters.modulusSwitchZeros
        let bodies = Array(opened[bootstrappingStart..<reductionStart])
        let reduction = ModulusSwitchNoiseReductionKey(parameters: parameters, seed: seeds.modulusSwitchNoiseReduction,
                                                       bodies: Array(opened[reductionStart...]), masks: reductionMasks)
        let blindRotation: BlindRotationKey = material.isMultiBit
            ? .multiBit(MultiBitBootstrappingKey(seed: seeds.bootstrappingKey, bodies: bodies, parameters: parameters))
            : .classic(BootstrappingKey(seed: seeds.bootstrappingKey, bodies: bodies, parameters: parameters))
        let share = try SecretKeyShare(parameters: parameters, partyID: context.partyID, smallKey: material.smallKey, bigKey: material.bigKey)
        return ThresholdKeySet(seeds: seeds, publicKey: publicKey,
                               serverKey: ServerKey(blindRotationKey: blindRotation, keySwitchingKey: keySwitching,
                                                    modulusSwitchNoiseReduction: reduction),
                               share: share)
    }
}
