import Algebra
import FHEKeys

/// KeyGenPreproc (DESIGN §3.4): shared random bits for s and S (square-root trick, `RandomBits`) and one
/// Beaver multiplication per product s_i·S_t, in batches so memory stays bounded and progress is visible.
/// Everything is secret-shared; nothing is opened but Beaver's masked values. Guaranteed output at
/// n ≥ 3t + 1 (the triple generators exclude cheaters, robust open corrects wrong shares).
public enum KeyGenPreprocessing {
    /// Products per batch: the multiplications of one batch are one robust open of 2·batch values.
    public static let defaultBatch = 1 << 16

    /// This party's material. `progress` is called with the fraction done (0…1) after each batch.
    public static func generate(
        parameters: FHEParameters, prss: PRSS, context: PartyContext, session: SessionID,
        triples: TripleGenerator? = nil, batch: Int = defaultBatch, progress: (@Sendable (Double) -> Void)? = nil
    ) async throws -> KeyGenMaterial {
        let n = parameters.lweDimension, kN = parameters.bigLWEDimension
        var source = TripleSource(prss: prss, context: context, kind: triples)
        defer { source.finish() }

        // Bits for s and S; the square-root trick drops r = 0 (probability 1/p): ask for a few spare ones.
        let wanted = n + kN
        var bits = [FieldElement]()
        var attempt: UInt64 = 0
        while bits.count < wanted {
            let ask = wanted - bits.count + 8
            let bitSession = session.child("bits", attempt)
            let triples = try await source.next(ask, session: bitSession.child("triples"))
            bits += try await RandomBits.generate(count: ask, triples: triples, prss: prss, context: context, session: bitSession.child("bits"))
            attempt += 1
        }
        let smallKey = Array(bits[0..<n]), bigKey = Array(bits[n..<wanted])
        zeroize(&bits)

        // s_i·S_t for every i and t, in batches of whole rows of t.
        var products = [FieldElement]()
        products.reserveCapacity(n * kN)
        let rowsPerBatch = max(1, batch / kN)
        var row = 0, batchIndex: UInt64 = 0
        while row < n {
            let rows = min(rowsPerBatch, n - row)
            let batchSession = session.child("products", batchIndex)
            var left = [FieldElement](), right = [FieldElement]()
            left.reserveCapacity(rows * kN); right.reserveCapacity(rows * kN)
            for i in row..<(row + rows) {
                left.append(contentsOf: repeatElement(smallKey[i], count: kN))
                right.append(contentsOf: bigKey)
            }
            var triples = try await source.next(rows * kN, session: batchSession.child("triples"))
            products += try await BeaverMultiplication.multiply(left, right, triples: triples, context: context, session: batchSession.child("multiply"))
            zeroize(&triples); zeroize(&left); zeroize(&right)
            row += rows
            batchIndex += 1
            progress?(Double(row) / Double(n))
        }
        // The material takes these arrays' storage (no copy), and wipes it.
        return try KeyGenMaterial(parameters: parameters, smallKey: smallKey, bigKey: bigKey, products: products)
    }
}
