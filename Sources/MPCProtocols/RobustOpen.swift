import Algebra

/// Opens a batch of Shamir sharings to every party with guaranteed output when n ≥ 3t + 1: one round in which
/// everyone sends its shares to everyone, then Reed–Solomon decoding of each value (Berlekamp–Welch).
/// Error budget e = t − (parties proven wrong): a missing or late share proves nothing, so it never shrinks e.
/// A polynomial of degree d is accepted only if d + 1 + e received shares lie on it — at most e of them can be
/// corrupt, so d + 1 honest ones fix it. Until the shares received can prove a value this way, the round keeps
/// waiting for the missing ones up to the deadline (`PartyContext.gather`).
public enum RobustOpen {
    /// The opened values of the sharings whose shares this party holds in `shares`. `excluded`: parties proven
    /// to have cheated (their shares are ignored, and the budget shrinks by their number).
    public static func open(
        _ shares: [FieldElement], degree: Int? = nil, context: PartyContext, session: SessionID, round: Int = 0,
        excluded: Set<Int> = []
    ) async throws -> [FieldElement] {
        let degree = degree ?? context.threshold, t = context.threshold, count = shares.count
        var columns = [[FieldElement]?](repeating: nil, count: context.partyCount)
        var decoded = Set<Int>()
        func decodeArrived(_ messages: [[UInt8]?]) throws -> (values: [FieldElement], wrong: Set<Int>) {
            for party in 1...messages.count where !decoded.contains(party) && messages[party - 1] != nil {
                columns[party - 1] = FieldCoding.decode(messages[party - 1], count: count)
                decoded.insert(party)
            }
            return try decodeReporting(columns: columns, degree: degree, threshold: t, count: count, excluded: excluded)
        }
        let payload = FieldCoding.encode(shares)  // encoded once, sent to everyone
        let gathered = try await context.gather(session: session, round: round, payloads: { _ in payload }) {
            try? decodeArrived($0)
        }
        let opened = try gathered.result ?? decodeArrived(gathered.messages)
        context.meter.recordProvenWrong(opened.wrong)
        return opened.values
    }

    /// Decodes `count` values from per-party share vectors (nil = missing or malformed), index 0 = party 1.
    /// At most `threshold` parties are corrupt, `excluded` of them known; sharings have degree `degree` (t, or
    /// 2t for products). Throws when the shares cannot prove a value yet (`tooFewShares`), when a degree-2t
    /// sharing at n = 3t + 1 has no redundancy left to correct (`cheatingDetected`), or when decoding fails.
    public static func decode(
        columns: [[FieldElement]?], degree: Int, threshold: Int, count: Int, excluded: Set<Int> = []
    ) throws -> [FieldElement] {
        try decodeReporting(columns: columns, degree: degree, threshold: threshold, count: count, excluded: excluded).values
    }

    /// `decode`, also returning the parties whose shares lay off a proven polynomial (proven wrong).
    static func decodeReporting(
        columns: [[FieldElement]?], degree: Int, threshold: Int, count: Int, excluded: Set<Int> = []
    ) throws -> (values: [FieldElement], wrong: Set<Int>) {
        let n = columns.count
        var provenWrong = Set<Int>()
        var active = (1...n).filter { columns[$0 - 1] != nil && !excluded.contains($0) }
        // Corrupt parties that may still be among the active ones: all but those proven wrong.
        var budget = max(0, threshold - excluded.count)
        guard active.count >= degree + 1 + budget else {
            throw MPCError.tooFewShares(received: active.count, needed: degree + 1 + budget)
        }
        var result = [FieldElement](repeating: .zero, count: count)
        var index = 0
        while index < count {
            // Fast path over the rest of the batch (every active share agrees, and there are ≥ d + 1 + e of
            // them); stops at the first index whose shares disagree.
            let checker = FastPathChecker(active: active, degree: degree)
            index = checker.values(from: index, count: count, columns: columns, into: &result)
            if index == count { break }
            let correctable = min(budget, (active.count - degree - 1) / 2)
            guard correctable > 0 else { throw MPCError.cheatingDetected(index: index) }
            let xs = active.map { FieldElement(UInt64($0)) }
            let ys = active.map { columns[$0 - 1]![index] }
            guard let polynomial = ReedSolomonDecoder.decode(xs: xs, ys: ys, degree: degree, maxErrors: correctable)
            else { throw MPCError.decodingFailed(index: index) }
            let wrong = Set(zip(active, ys).filter { polynomial.evaluate(at: FieldElement(UInt64($0.0))) != $0.1 }.map(\.0))
            guard active.count - wrong.count >= degree + 1 + budget else { throw MPCError.decodingFailed(index: index) }
            result[index] = polynomial.evaluate(at: .zero)
            // The polynomial is proven, so the parties off it are proven wrong: dropped for the rest of the batch.
            active.removeAll { wrong.contains($0) }
            budget -= wrong.count
            provenWrong.formUnion(wrong)
            index += 1
        }
        return (result, provenWrong)
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

extension RobustOpen {
    /// The polynomial of degree `degree` on which at least degree + 1 + `budget` of the points (party, share)
    /// lie — proven right when at most `budget` of the parties are corrupt — or nil if the points prove none.
    static func provenPolynomial(parties: [Int], shares: [FieldElement], degree: Int, budget: Int) -> Polynomial? {
        guard parties.count >= degree + 1 + budget else { return nil }
        let xs = parties.map { FieldElement(UInt64($0)) }
        let correctable = min(budget, (parties.count - degree - 1) / 2)
        guard let polynomial = ReedSolomonDecoder.decode(xs: xs, ys: shares, degree: degree, maxErrors: correctable) else {
            return nil
        }
        let agreeing = zip(xs, shares).filter { polynomial.evaluate(at: $0) == $1 }.count
        return agreeing >= degree + 1 + budget ? polynomial : nil
    }
}
