import Algebra
import FHEKeys
import Testing
@testable import MPCProtocols
import MPCTestSupport
import SecureMemory

/// KeyGenPreproc + KeyGen in process (DESIGN §3.4): the keys the parties open work with the secret keys their
/// shares reconstruct to, every honest party opens the same keys, and a corrupt party cannot stop or change that.
@Suite struct DistributedKeyGenerationTests {
    let parameters = FHEParameters.insecureTest

    struct PartyOutput: Sendable {
        let publicKey: [UInt8]
        let serverKey: [UInt8]
        let share: SecretKeyShare
    }

    func generate(n: Int, t: Int, adversary: Adversary, label: String, multiBit: Bool = false,
                  noiseSources: KeyGenNoiseSources? = nil) async throws -> [Int: PartyOutput] {
        let parameters = parameters
        return try await runParties(n: n, t: t, adversary: adversary) { context, _ in
            let prss = try dealtPRSS(party: context.partyID, n: n, t: t)
            let session = SessionID.root(requestID: Array(label.utf8), label: "dkg-test")
            let material = try await KeyGenPreprocessing.generate(
                parameters: parameters, prss: prss, context: context, session: session.child("preproc"), batch: 4096,
                multiBit: multiBit, noiseSources: noiseSources)
            let keys = try await DistributedKeyGeneration.run(
                material: material, prss: prss, context: context, session: session.child("keygen"), openBatch: 10_000)
            return PartyOutput(publicKey: keys.publicKey.serialized(), serverKey: keys.serverKey.serialized(), share: keys.share)
        }
    }

    /// Checks what every key set must satisfy: identical public objects at the honest parties, binary secrets,
    /// public-key encryption and bootstrapping under the reconstructed secret key.
    func expectWorkingKeys(_ outputs: [Int: PartyOutput], n: Int, t: Int, adversary: Adversary) throws {
        #expect(outputs.count == n - adversary.corruptParties(n: n, t: t).count)
        let first = try #require(outputs.values.first)
        for output in outputs.values {
            #expect(output.publicKey == first.publicKey)
            #expect(output.serverKey == first.serverKey)
        }
        let shares = outputs.values.map(\.share)
        let clientKey = try SecretKeyShare.insecureReconstruct(Array(shares.prefix(t + 1)), threshold: t)
        // Any other t + 1 shares give the same key: the shares lie on one degree-t polynomial.
        let other = try SecretKeyShare.insecureReconstruct(Array(shares.suffix(t + 1)), threshold: t)
        #expect(other == clientKey)
        #expect((clientKey.small.coefficients + clientKey.big.coefficients).allSatisfy { $0.value <= 1 })
        #expect(clientKey.small.coefficients.contains(.one) && clientKey.small.coefficients.contains(.zero))

        let publicKey = try CompactPublicKey(serialized: first.publicKey)
        let serverKey = try ServerKey(serialized: first.serverKey)
        var random = FastSeededGenerator(seed: first.publicKey.suffix(32), domain: "dkg-test")
        for _ in 0..<6 {
            let message = random.next() % 4
            let encrypted = publicKey.encrypt(message, keySwitchingKey: serverKey.keySwitchingKey, using: &random)
            #expect(clientKey.decrypt(encrypted) == message)
            let other = random.next() % 4
            let sum = serverKey.apply(encrypted + clientKey.encrypt(other, using: &random)) { $0 % 4 }
            #expect(clientKey.decrypt(sum) == (message + other) % 4)
        }
        let x = random.next() % 256, y = random.next() % 256
        let a = publicKey.encrypt((x, 0), as: .uint8, keySwitchingKey: serverKey.keySwitchingKey, using: &random)
        let b = publicKey.encrypt((y, 0), as: .uint8, keySwitchingKey: serverKey.keySwitchingKey, using: &random)
        #expect(clientKey.decrypt(serverKey.add(a, b)) == (x + y) % 256)
        #expect(clientKey.decrypt(serverKey.lt(a, b)) == (x < y ? 1 : 0))
    }

    @Test(arguments: [(4, 1), (7, 2)])
    func honestPartiesGenerateWorkingKeys(n: Int, t: Int) async throws {
        let outputs = try await generate(n: n, t: t, adversary: .allHonest, label: "honest-\(n)-\(t)")
        try expectWorkingKeys(outputs, n: n, t: t, adversary: .allHonest)
    }

    /// Issue 13 item 2: the DKG makes the multi-bit bootstrapping key (pair products by Beaver multiplication);
    /// it bootstraps under the reconstructed secret key, also with a corrupt party.
    @Test(arguments: [Adversary.allHonest, .garbage])
    func partiesGenerateWorkingMultiBitKeys(adversary: Adversary) async throws {
        let outputs = try await generate(n: 4, t: 1, adversary: adversary, label: "multibit-\(adversary)", multiBit: true)
        let serverKey = try ServerKey(serialized: try #require(outputs.values.first).serverKey)
        #expect(serverKey.multiBitBootstrappingKey != nil && serverKey.bootstrappingKey == nil)
        try expectWorkingKeys(outputs, n: 4, t: 1, adversary: adversary)
    }

    @Test(arguments: [Adversary.silent, .garbage, .equivocating])
    func corruptPartyCannotStopOrChangeTheKeys(adversary: Adversary) async throws {
        let outputs = try await generate(n: 4, t: 1, adversary: adversary, label: "adversary-\(adversary)")
        try expectWorkingKeys(outputs, n: 4, t: 1, adversary: adversary)
    }

    /// The noise of the public key (B − A·S) is the PRSS-mask sum: bounded by C(n, t)·2^b, and its variance is
    /// about C(n, t) times that of one uniform term (docs/KEYGEN.md).
    @Test func publicKeyNoiseFollowsThePRSSMaskModel() async throws {
        let outputs = try await generate(n: 4, t: 1, adversary: .allHonest, label: "noise")
        let first = try #require(outputs.values.first)
        let clientKey = try SecretKeyShare.insecureReconstruct(Array(outputs.values.map(\.share).prefix(2)), threshold: 1)
        let publicKey = try CompactPublicKey(serialized: first.publicKey)
        let mask = CompactPublicKey.expandMask(seed: publicKey.seed, parameters: parameters)
        let zero = [FieldElement](repeating: .zero, count: parameters.polynomialSize)
        let clean = CompactPublicKey.body(mask: mask, bigSecret: clientKey.big.coefficients, noise: zero, parameters: parameters)
        let noise = zip(publicKey.body, clean).map { body, clean -> Double in
            let e = (body - clean).value
            return e > FieldElement.modulus / 2 ? -Double(FieldElement.modulus - e) : Double(e)
        }
        let subsets = Double(PRSS.subsets(partyCount: 4, threshold: 1).count)
        let bound = Double(DistributedKeyGeneration.noiseBound(log2: parameters.glweNoiseLog2))
        #expect(noise.allSatisfy { abs($0) <= subsets * bound })
        let variance = noise.reduce(0) { $0 + $1 * $1 } / Double(noise.count)
        let predicted = subsets * bound * (bound + 1) / 3  // C(n, t) uniform terms on [−B, B]
        #expect(variance > 0.75 * predicted && variance < 1.3 * predicted, "variance \(variance), predicted \(predicted)")
    }

    /// Centered representative of a field element (noise values are far below p/2 in magnitude).
    static func signed(_ e: FieldElement) -> Double {
        e.value > FieldElement.modulus / 2 ? -Double(FieldElement.modulus - e.value) : Double(e.value)
    }

    /// Issue 13: the key switching key's noise dominates every PBS input, so the DKG draws it exactly as the
    /// centralized generation does — TUniform(b) from shared bits, bounded by 2^b with its variance — not as a
    /// PRSS-mask, whose C(n, t) = 4 terms made it 4 times as large (failure ≈ 2^−88 per PBS instead of 2^−129).
    /// The rule asks for it at production parameters; here it is asked for at the test set.
    @Test func keySwitchingKeyNoiseIsExactTUniform() async throws {
        let outputs = try await generate(n: 4, t: 1, adversary: .allHonest, label: "switching-noise",
                                         noiseSources: KeyGenNoiseSources(keySwitchingFromBits: true, bootstrappingFromBits: false))
        let first = try #require(outputs.values.first)
        let clientKey = try SecretKeyShare.insecureReconstruct(Array(outputs.values.map(\.share).prefix(2)), threshold: 1)
        let keySwitching = try ServerKey(serialized: first.serverKey).keySwitchingKey
        let masks = KeySwitchingKey.expandMasks(seed: keySwitching.seed, parameters: parameters)
        let zero = [FieldElement](repeating: .zero, count: keySwitching.bodies.count)
        let clean = KeySwitchingKey.bodies(masks: masks, smallSecret: clientKey.small.coefficients,
                                           bigSecret: clientKey.big.coefficients, noise: zero, parameters: parameters)
        let noise = zip(keySwitching.bodies, clean).map { Self.signed($0 - $1) }
        let bound = Double(UInt64(1) << UInt64(parameters.lweNoiseLog2))
        #expect(noise.allSatisfy { abs($0) <= bound }, "largest noise \(noise.map(abs).max() ?? 0), bound \(bound)")
        let variance = noise.reduce(0) { $0 + $1 * $1 } / Double(noise.count)
        let predicted = NoiseModel.tUniformVariance(log2Bound: parameters.lweNoiseLog2)
        #expect(variance > 0.9 * predicted && variance < 1.1 * predicted, "variance \(variance), predicted \(predicted)")
    }

    /// At large C(n, t) the bootstrapping key's noise comes from shared bits too (forced here at (4, 1)): the keys
    /// work, also with a corrupt party, and the material's noise opens to TUniform samples.
    @Test func bootstrappingNoiseFromSharedBitsMakesWorkingKeys() async throws {
        let parameters = parameters
        let results = try await runParties(n: 4, t: 1, adversary: .garbage) { context, _ in
            let prss = try dealtPRSS(party: context.partyID, n: 4, t: 1)
            let session = SessionID.root(requestID: Array("bsk-bits".utf8), label: "dkg-test")
            let material = try await KeyGenPreprocessing.generate(
                parameters: parameters, prss: prss, context: context, session: session.child("preproc"), batch: 16_384,
                noiseSources: KeyGenNoiseSources(keySwitchingFromBits: false, bootstrappingFromBits: true))
            let keys = try await DistributedKeyGeneration.run(
                material: material, prss: prss, context: context, session: session.child("keygen"), openBatch: 10_000)
            return (PartyOutput(publicKey: keys.publicKey.serialized(), serverKey: keys.serverKey.serialized(), share: keys.share),
                    Array(material.bootstrappingNoise.prefix(4096)), context.partyID)
        }
        try expectWorkingKeys(results.mapValues(\.0), n: 4, t: 1, adversary: .garbage)
        let honest = results.values.sorted { $0.2 < $1.2 }.prefix(2)
        let points = honest.map { FieldElement(UInt64($0.2)) }
        let bound = Double(UInt64(1) << UInt64(parameters.glweNoiseLog2))
        var values = [Double]()
        for k in 0..<4096 {
            let shares = honest.map { $0.1[k] }
            // Lagrange at 0 from two points (degree 1).
            let secret = (shares[0] * points[1] - shares[1] * points[0]) * (points[1] - points[0]).inverse()!
            values.append(Self.signed(secret))
        }
        #expect(values.allSatisfy { abs($0) <= bound })
        let variance = values.reduce(0) { $0 + $1 * $1 } / Double(values.count)
        let predicted = NoiseModel.tUniformVariance(log2Bound: parameters.glweNoiseLog2)
        #expect(variance > 0.85 * predicted && variance < 1.15 * predicted, "variance \(variance), predicted \(predicted)")
    }

    /// The rule: at production the key switching key from bits up to (7, 2), both keys beyond; the test set never
    /// (its key noise is negligible); and what it picks keeps the PBS input within the reduction's budget.
    @Test func noiseSourcesFollowTheBudget() {
        let production = FHEParameters.production
        let switching = KeyGenNoiseSources(keySwitchingFromBits: true, bootstrappingFromBits: false)
        let both = KeyGenNoiseSources(keySwitchingFromBits: true, bootstrappingFromBits: true)
        let neither = KeyGenNoiseSources(keySwitchingFromBits: false, bootstrappingFromBits: false)
        for multiBit in [false, true] {
            let required = { (p: FHEParameters, n: Int, t: Int) in
                KeyGenNoiseSources.required(parameters: p, multiBit: multiBit, partyCount: n, threshold: t)
            }
            #expect(required(production, 1, 0) == neither)
            #expect(required(production, 4, 1) == switching && required(production, 7, 2) == switching)
            #expect(required(production, 10, 3) == both && required(production, 13, 4) == both)
            #expect(required(parameters, 4, 1) == neither && required(parameters, 13, 4) == neither)
            // What (7, 2) keeps: a PRSS-mask bootstrapping key is within the budget, an all-PRSS key far outside it.
            let budget = NoiseModel.modulusSwitchInputVarianceBudget(production, multiBit: multiBit)
            #expect(NoiseModel.modulusSwitchInputVariance(production, multiBit: multiBit, bootstrappingKeyNoiseFactor: 21) <= budget)
            #expect(NoiseModel.modulusSwitchInputVariance(production, multiBit: multiBit, keySwitchingKeyNoiseFactor: 4,
                                                          bootstrappingKeyNoiseFactor: 4) > 3 * budget)
        }
    }

    @Test func materialAndShareSurviveSerialization() throws {
        var random = FastSeededGenerator(seed: [7], domain: "dkg-serialization")
        let n = parameters.lweDimension, kN = parameters.bigLWEDimension
        let values = { (count: Int) in (0..<count).map { _ in FieldElement.random(using: &random) } }
        let material = try KeyGenMaterial(parameters: parameters, smallKey: values(n), bigKey: values(kN), products: values(n * kN))
        let reloaded = try KeyGenMaterial(serialized: material.serialized())
        #expect(reloaded.smallKey == material.smallKey && reloaded.bigKey == material.bigKey && reloaded.products == material.products)
        #expect(!reloaded.isMultiBit && material.serialized().withUnsafeBytes { [$0[4], $0[6]] } == [3, 0])
        // Multi-bit material with both noises: version 3, flags 1 | 2 | 4; wrong counts are refused.
        let switchingCount = KeyGenMaterial.switchingNoiseCount(parameters)
        let bootstrappingCount = KeyGenMaterial.bootstrappingNoiseCount(parameters, multiBit: true)
        let multiBit = try KeyGenMaterial(parameters: parameters, smallKey: values(n), bigKey: values(kN), products: values(n * kN),
                                          pairProducts: values(n / 2), pairBigProducts: values(n / 2 * kN),
                                          switchingNoise: values(switchingCount), bootstrappingNoise: values(bootstrappingCount))
        let multiBitBack = try KeyGenMaterial(serialized: multiBit.serialized())
        #expect(multiBit.serialized().withUnsafeBytes { [$0[4], $0[6]] } == [3, 7] && multiBitBack.isMultiBit)
        #expect(multiBitBack.pairProducts == multiBit.pairProducts && multiBitBack.pairBigProducts == multiBit.pairBigProducts)
        #expect(multiBitBack.products == multiBit.products && multiBitBack.smallKey == multiBit.smallKey)
        #expect(multiBitBack.switchingNoise == multiBit.switchingNoise && multiBitBack.bootstrappingNoise == multiBit.bootstrappingNoise)
        #expect(throws: MPCError.self) {
            try KeyGenMaterial(parameters: parameters, smallKey: values(n), bigKey: values(kN), products: values(n * kN),
                               switchingNoise: values(switchingCount - 1))
        }
        // Versions 1 (classic) and 2 (multi-bit) of earlier releases, without noise, still load.
        func legacy(_ version: UInt8, _ parts: [[FieldElement]]) -> SecretBytes {
            SecretBytes(Array("TKGM".utf8) + [version, parameters.id] + parts.joined().flatMap { element in
                withUnsafeBytes(of: element.value.littleEndian) { Array($0) }
            })
        }
        let v1 = try KeyGenMaterial(serialized: legacy(1, [material.smallKey, material.bigKey, material.products]))
        #expect(v1.products == material.products && !v1.isMultiBit && v1.switchingNoise.isEmpty)
        let v2 = try KeyGenMaterial(serialized: legacy(2, [multiBit.smallKey, multiBit.bigKey, multiBit.products,
                                                          multiBit.pairProducts, multiBit.pairBigProducts]))
        #expect(v2.isMultiBit && v2.pairBigProducts == multiBit.pairBigProducts && v2.bootstrappingNoise.isEmpty)
        #expect(throws: MPCError.self) { try KeyGenMaterial(serialized: legacy(2, [material.smallKey, material.bigKey, material.products])) }
        #expect(throws: MPCError.self) {
            try KeyGenMaterial(parameters: parameters, smallKey: values(n), bigKey: values(kN), products: values(n * kN),
                               pairProducts: values(n / 2), pairBigProducts: values(kN))
        }
        let share = try SecretKeyShare(parameters: parameters, partyID: 3, smallKey: values(n), bigKey: values(kN))
        let shareBack = try SecretKeyShare(serialized: share.serialized())
        #expect(shareBack.partyID == 3 && shareBack.smallKey == share.smallKey && shareBack.bigKey == share.bigKey)

        // Truncated, or a share not below p: refused with a typed error.
        let bytes = share.serialized().withUnsafeBytes { Array($0) }
        #expect(throws: MPCError.self) { try SecretKeyShare(serialized: SecretBytes(bytes.dropLast())) }
        var wide = bytes
        for k in 7..<15 { wide[k] = 0xFF }
        #expect(throws: MPCError.self) { try SecretKeyShare(serialized: SecretBytes(wide)) }
        #expect(throws: MPCError.self) { try KeyGenMaterial(serialized: SecretBytes(bytes)) }

        var wiped = material
        wiped.wipe()
        #expect(wiped.products.allSatisfy { $0 == .zero } && wiped.smallKey.allSatisfy { $0 == .zero })
    }
}
