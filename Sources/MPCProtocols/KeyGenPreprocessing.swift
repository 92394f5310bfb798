import Algebra
import FHEKeys

/// KeyGenPreproc (DESIGN §3.4): shared random bits for s and S (square-root trick, `RandomBits`), exact TUniform
/// noise from more shared bits for the keys whose PRSS-mask noise would be too large (`KeyGenNoiseSources`), and one
/// Beaver multiplication per product s_i·S_t, in batches so memory stays bounded and progress is visible. Everything
/// is secret-shared; nothing is opened but Beaver's masked values. Guaranteed output at n ≥ 3t + 1 (the triple
/// generators exclude cheaters, robust open corrects wrong shares).
public enum KeyGenPreprocessing {
    /// Products per batch: the multiplications of one batch are one robust open of 2·batch values.
    public static let defaultBatch = 1 << 16

    /// This party's material. `progress` is called with the fraction done (0…1) after each batch. `multiBit` adds
    /// the products the multi-bit bootstrapping key needs: s_2g·s_2g+1 (n/2 multiplications) and s_2g·s_2g+1·S_t
    /// (n/2·kN), i.e. 1.5 times the products of the classic key. `noiseSources` overrides
    /// `KeyGenNoiseSources.required` (tests).
    public static func generate(
        parameters: FHEParameters, prss: PRSS, context: PartyContext, session: SessionID,
        triples: TripleGenerator? = nil, batch: Int = defaultBatch, multiBit: Bool = false,
        noiseSources: KeyGenNoiseSources? = nil, progress: (@Sendable (Double) -> Void)? = nil
    ) async throws -> KeyGenMaterial {
        if multiBit && !MultiBitBootstrappingKey.supports(parameters) {
            throw MPCError.invalidParameters("multi-bit key generation needs an even small-key dimension")
        }
        let n = parameters.lweDimension, kN = parameters.bigLWEDimension
        var source = TripleSource(prss: prss, context: context, kind: triples)
        defer { source.finish() }

        // Bits for s and S.
        var bits = try await RandomBits.generate(count: n + kN, source: &source, prss: prss, context: context, session: session)
        var smallKey = Array(bits[0..<n]), bigKey = Array(bits[n...])
        zeroize(&bits)

        // Work units for progress: one per shared bit of noise, one per product.
        let sources = noiseSources ?? KeyGenNoiseSources.required(
            parameters: parameters, multiBit: multiBit, partyCount: prss.partyCount, threshold: prss.threshold)
        let switchingWidth = SharedTUniformNoise.bitsPerSample(log2Bound: parameters.lweNoiseLog2)
        let bootstrappingWidth = SharedTUniformNoise.bitsPerSample(log2Bound: parameters.glweNoiseLog2)
        let switchingUnits = sources.keySwitchingFromBits ? KeyGenMaterial.switchingNoiseCount(parameters) * switchingWidth : 0
        let bootstrappingUnits = sources.bootstrappingFromBits
            ? KeyGenMaterial.bootstrappingNoiseCount(parameters, multiBit: multiBit) * bootstrappingWidth : 0
        let productUnits = (multiBit ? n + n / 2 : n) * kN
        let total = Double(switchingUnits + bootstrappingUnits + productUnits)
        let report: @Sendable (Int) -> Void = { done in progress?(Double(done) / total) }

        var switchingNoise: [FieldElement] = [], bootstrappingNoise: [FieldElement] = []
        var products: [FieldElement] = []
        do {
            if sources.keySwitchingFromBits {
                switchingNoise = try await SharedTUniformNoise.generate(
                    count: KeyGenMaterial.switchingNoiseCount(parameters), log2Bound: parameters.lweNoiseLog2, source: &source,
                    prss: prss, context: context, session: session.child("switching noise"), batch: batch,
                    progress: { report($0 * switchingWidth) })
            }
            if sources.bootstrappingFromBits {
                bootstrappingNoise = try await SharedTUniformNoise.generate(
                    count: KeyGenMaterial.bootstrappingNoiseCount(parameters, multiBit: multiBit),
                    log2Bound: parameters.glweNoiseLog2, source: &source, prss: prss, context: context,
                    session: session.child("bootstrapping noise"), batch: batch,
                    progress: { report(switchingUnits + $0 * bootstrappingWidth) })
            }
            // s_i·S_t for every i and t, in batches of whole rows of t.
            let noiseUnits = switchingUnits + bootstrappingUnits
            products = try await rowProducts(
                smallKey, bigKey, source: &source, context: context, session: session, label: "products", batch: batch,
                progress: { report(noiseUnits + $0 * kN) })
            guard multiBit else {
                // The material takes these arrays' storage (no copy), and wipes it.
                return try KeyGenMaterial(parameters: parameters, smallKey: smallKey, bigKey: bigKey, products: products,
                                          switchingNoise: switchingNoise, bootstrappingNoise: bootstrappingNoise)
            }
            // Multi-bit: s_2g·s_2g+1 in one batch, then those pair products times every S_t.
            let pairSession = session.child("pairs")
            var left = (0..<(n / 2)).map { smallKey[2 * $0] }, right = (0..<(n / 2)).map { smallKey[2 * $0 + 1] }
            var triples = try await source.next(n / 2, session: pairSession.child("triples"))
            var pairs = try await BeaverMultiplication.multiply(left, right, triples: triples, context: context,
                                                                session: pairSession.child("multiply"))
            zeroize(&triples); zeroize(&left); zeroize(&right)
            let pairBig: [FieldElement]
            do {
                pairBig = try await rowProducts(
                    pairs, bigKey, source: &source, context: context, session: session, label: "pair-products", batch: batch,
                    progress: { report(noiseUnits + (n + $0) * kN) })
            } catch {
                zeroize(&pairs)
                throw error
            }
            return try KeyGenMaterial(parameters: parameters, smallKey: smallKey, bigKey: bigKey, products: products,
                                      pairProducts: pairs, pairBigProducts: pairBig, switchingNoise: switchingNoise,
                                      bootstrappingNoise: bootstrappingNoise)
        } catch {
            zeroize(&smallKey); zeroize(&bigKey); zeroize(&products); zeroize(&switchingNoise); zeroize(&bootstrappingNoise)
            throw error
        }
    }

    /// left_i·right_t for every i and t (index i·right.count + t), by Beaver multiplication in batches of whole rows;
    /// `progress` gets the number of rows done.
    static func rowProducts(
        _ leftValues: [FieldElement], _ rightValues: [FieldElement], source: inout TripleSource, context: PartyContext,
        session: SessionID, label: String, batch: Int, progress: (@Sendable (Int) -> Void)?
    ) async throws -> [FieldElement] {
        let kN = rightValues.count, n = leftValues.count
        var products = [FieldElement]()
        products.reserveCapacity(n * kN)
        let rowsPerBatch = max(1, batch / kN)
        var row = 0, batchIndex: UInt64 = 0
        while row < n {
            let rows = min(rowsPerBatch, n - row)
            let batchSession = session.child(label, batchIndex)
            var left = [FieldElement](), right = [FieldElement]()
            left.reserveCapacity(rows * kN); right.reserveCapacity(rows * kN)
            for i in row..<(row + rows) {
                left.append(contentsOf: repeatElement(leftValues[i], count: kN))
                right.append(contentsOf: rightValues)
            }
            var triples = try await source.next(rows * kN, session: batchSession.child("triples"))
            products += try await BeaverMultiplication.multiply(left, right, triples: triples, context: context, session: batchSession.child("multiply"))
            zeroize(&triples); zeroize(&left); zeroize(&right)
            row += rows
            batchIndex += 1
            progress?(row)
        }
        return products
    }
}
