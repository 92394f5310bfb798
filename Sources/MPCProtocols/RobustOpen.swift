import Algebra

/// Opens a batch of degree-t Shamir sharings to every party with guaranteed output when n ≥ 3t + 1:
/// one round in which everyone sends its shares to everyone, then Reed–Solomon decoding of each value.
/// Fast path: the first t + 1 shares fix a polynomial; if every other share lies on it, that is the value
/// (sound because at least 2t + 1 − missing shares, of which ≤ t − missing are wrong, agree). Otherwise
/// Berlekamp–Welch, and parties found wrong are dropped for the rest of the batch.
public enum RobustOpen {
    /// The opened values of the sharings whose shares this party holds in `shares`.
    public static func open(
        _ shares: [FieldElement], degree: Int? = nil, context: PartyContext, session: SessionID, round: Int = 0
    ) async throws -> [FieldElement] {
        let received = try await context.broadcast(FieldCoding.encode(shares), session: session, round: round)
        let columns = received.map { FieldCoding.decode($0, count: shares.count) }
        return try decode(
            columns: columns, degree: degree ?? context.threshold, threshold: context.threshold, count: shares.count
        )
    }

    /// Decodes `count` values from per-party share vectors (nil = missing or malformed), index 0 = party 1.
    /// At most `threshold` parties are corrupt; sharings have degree `degree` (t, or 2t for products).
    public static func decode(columns: [[FieldElement]?], degree: Int, threshold: Int, count: Int) throws -> [FieldElement] {
        let n = columns.count
        var active = (1...n).filter { columns[$0 - 1] != nil }
        // Wrong shares still possible among the active: the corrupt ones not yet excluded.
        var possibleErrors = max(0, threshold - (n - active.count))
        // Correction needs degree + 1 + 2e shares; with only degree + 1 + e (degree-2t sharings at n = 3t + 1)
        // the fast path still proves the value correct, and disagreement is reported as cheating.
        guard active.count >= degree + 1 + possibleErrors else {
            throw MPCError.tooFewShares(received: active.count, needed: degree + 1 + possibleErrors)
        }
        var checker = FastPathChecker(active: active, degree: degree)
        var result = [FieldElement](repeating: .zero, count: count)
        for index in 0..<count {
            if let value = checker.value(index: index, columns: columns) {
                result[index] = value
                continue
            }
            guard active.count >= degree + 1 + 2 * possibleErrors else { throw MPCError.cheatingDetected(index: index) }
            let xs = active.map { FieldElement(UInt64($0)) }
            let ys = active.map { columns[$0 - 1]![index] }
            guard let polynomial = ReedSolomonDecoder.decode(xs: xs, ys: ys, degree: degree, maxErrors: possibleErrors)
            else { throw MPCError.decodingFailed(index: index) }
            result[index] = polynomial.evaluate(at: .zero)
            // Exclude the parties whose share was wrong; the fast path stays sound for the rest.
            let wrong = Set(zip(active, ys).filter { polynomial.evaluate(at: FieldElement(UInt64($0.0))) != $0.1 }.map(\.0))
            active.removeAll { wrong.contains($0) }
            possibleErrors = max(0, possibleErrors - wrong.count)
            checker = FastPathChecker(active: active, degree: degree)
        }
        return result
    }
}

/// Interpolation weights from the first degree + 1 active parties to 0 and to every other active party.
struct FastPathChecker {
    let basis: [Int]
    let others: [Int]
    let weightsAtZero: [FieldElement]
    let weightsAtOthers: [[FieldElement]]

    init(active: [Int], degree: Int) {
        basis = Array(active.prefix(degree + 1))
        others = Array(active.dropFirst(degree + 1))
        let xs = basis.map { FieldElement(UInt64($0)) }
        weightsAtZero = Polynomial.lagrangeCoefficients(xs: xs, at: .zero)
        weightsAtOthers = others.map { Polynomial.lagrangeCoefficients(xs: xs, at: FieldElement(UInt64($0))) }
    }

    /// The value at 0 if all active shares of this index lie on one polynomial, else nil.
    @inline(__always)
    func value(index: Int, columns: [[FieldElement]?]) -> FieldElement? {
        for (other, weights) in zip(others, weightsAtOthers) {
            var predicted = FieldElement.zero
            for (party, weight) in zip(basis, weights) { predicted += weight * columns[party - 1]![index] }
            if predicted != columns[other - 1]![index] { return nil }
        }
        var value = FieldElement.zero
        for (party, weight) in zip(basis, weightsAtZero) { value += weight * columns[party - 1]![index] }
        return value
    }
}
