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
        var result = [FieldElement](repeating: .zero, count: count)
        var index = 0
        while index < count {
            // Fast path over the rest of the batch; stops at the first index whose shares disagree.
            let checker = FastPathChecker(active: active, degree: degree)
            index = checker.values(from: index, count: count, columns: columns, into: &result)
            if index == count { break }
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
            index += 1
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

    /// Writes the value at 0 of every index from `start` on while all active shares of the index lie on one
    /// polynomial; returns the first index where they do not (or `count`). Works on raw pointers to the columns:
    /// this loop is the honest-case cost of every robust open.
    func values(from start: Int, count: Int, columns: [[FieldElement]?], into result: inout [FieldElement]) -> Int {
        let basisColumns = basis.map { columns[$0 - 1]! }
        let otherColumns = others.map { columns[$0 - 1]! }
        let basisCount = basis.count
        let otherCount = others.count
        // Row-major weights: weightsAtOthers[o][b] at o · basisCount + b.
        let flatWeights = weightsAtOthers.flatMap { $0 }
        return withPointers(basisColumns) { basisPointers in
            withPointers(otherColumns) { otherPointers in
                flatWeights.withUnsafeBufferPointer { weights in
                    weightsAtZero.withUnsafeBufferPointer { zeroWeights in
                        result.withUnsafeMutableBufferPointer { out in
                            var index = start
                            while index < count {
                                for o in 0..<otherCount {
                                    var predicted = FieldElement.zero
                                    for b in 0..<basisCount {
                                        predicted += weights[o &* basisCount &+ b] * basisPointers[b][index]
                                    }
                                    if predicted != otherPointers[o][index] { return index }
                                }
                                var value = FieldElement.zero
                                for b in 0..<basisCount { value += zeroWeights[b] * basisPointers[b][index] }
                                out[index] = value
                                index &+= 1
                            }
                            return count
                        }
                    }
                }
            }
        }
    }
}

/// Calls `body` with base pointers of every array (kept alive for the call).
private func withPointers<R>(
    _ arrays: [[FieldElement]], _ body: ([UnsafePointer<FieldElement>]) -> R
) -> R {
    func recurse(_ i: Int, _ pointers: inout [UnsafePointer<FieldElement>]) -> R {
        if i == arrays.count { return body(pointers) }
        return arrays[i].withUnsafeBufferPointer { buffer in
            pointers.append(buffer.baseAddress ?? UnsafePointer(bitPattern: 8)!)
            return recurse(i + 1, &pointers)
        }
    }
    var pointers: [UnsafePointer<FieldElement>] = []
    pointers.reserveCapacity(arrays.count)
    return recurse(0, &pointers)
}
