import Algebra

/// The share vectors of all parties for one step, decoded from their messages into one buffer (party-major:
/// party p's `count` values at (p − 1)·count), so that the hot loops of HIM extraction run on one set of raw
/// pointers and nothing is copied twice. A party's row is present when its message has the expected length and
/// its words at `offset…` are canonical (as `FieldCoding.decode`); otherwise its values are zero.
struct ShareMatrix {
    let partyCount: Int
    let count: Int
    var values: [FieldElement]
    /// Parties whose row was decoded.
    private(set) var present: [Bool]

    /// Rows from `messages[p − 1]` (of `length` words in all), words `offset ..< offset + count`, for the parties
    /// `listened` accepts.
    init(messages: [[UInt8]?], offset: Int = 0, count: Int, length: Int, listened: (Int) -> Bool) {
        partyCount = messages.count
        self.count = count
        var values = [FieldElement](repeating: .zero, count: messages.count * count)
        var present = [Bool](repeating: false, count: messages.count)
        values.withUnsafeMutableBufferPointer { out in
            for (index, message) in messages.enumerated() where listened(index + 1) {
                guard let message, message.count == 8 * length else { continue }
                let row = out.baseAddress! + index * count
                let invalid = message.withUnsafeBytes { raw in
                    var invalid: UInt64 = 0
                    for k in 0..<count {
                        let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: (offset &+ k) &* 8, as: UInt64.self))
                        invalid |= word >= FieldElement.modulus ? 1 : 0
                        row[k] = FieldElement(word)
                    }
                    return invalid
                }
                if invalid == 0 { present[index] = true } else { row.update(repeating: .zero, count: count) }
            }
        }
        self.values = values
        self.present = present
    }

    /// Rows given as arrays (nil: absent, zero).
    init(rows: [[FieldElement]?], count: Int) {
        partyCount = rows.count
        self.count = count
        values = rows.flatMap { $0 ?? [FieldElement](repeating: .zero, count: count) }
        present = rows.map { $0 != nil }
    }

    /// The rows as `RobustOpen.decode`'s columns (nil where absent).
    var columns: [[FieldElement]?] {
        (0..<partyCount).map { present[$0] ? Array(values[($0 * count)..<(($0 + 1) * count)]) : nil }
    }

    /// The values at 0 of `count` degree-`degree` sharings, if for every index the shares of all present
    /// parties outside `excluded` lie on one polynomial and there are at least degree + 1 + `budget` of them
    /// (`RobustOpen.decode`'s fast path and its soundness condition); nil otherwise (the caller falls back to
    /// `RobustOpen.decode`). Interpolation weights from the first degree + 1 parties predict every other share,
    /// with one reduction per prediction (`lazyDotProduct`).
    func fastOpen(degree: Int, budget: Int, excluded: Set<Int> = []) -> [FieldElement]? {
        let active = (1...partyCount).filter { present[$0 - 1] && !excluded.contains($0) }
        guard active.count >= degree + 1 + budget else { return nil }
        let basis = Array(active.prefix(degree + 1)), others = Array(active.dropFirst(degree + 1))
        let xs = basis.map { FieldElement(UInt64($0)) }
        // Row 0: weights to 0; row 1 + o: weights to others[o].
        let weights = ([FieldElement.zero] + others.map { FieldElement(UInt64($0)) })
            .flatMap { Polynomial.lagrangeCoefficients(xs: xs, at: $0) }
        let width = basis.count, count = count
        var result = [FieldElement](repeating: .zero, count: count)
        let consistent = values.withUnsafeBufferPointer { rows in
            weights.withUnsafeBufferPointer { w in
                result.withUnsafeMutableBufferPointer { out in
                    withUnsafeTemporaryAllocation(of: FieldElement.self, capacity: width + 1 + others.count) { buffer in
                        let g = buffer.baseAddress!, predicted = g + width, base = rows.baseAddress!
                        for index in 0..<count {
                            for b in 0..<width { g[b] = base[(basis[b] &- 1) &* count &+ index] }
                            matrixVectorProduct(w.baseAddress!, rows: 1 + others.count, columns: width, g, into: predicted)
                            for (o, party) in others.enumerated() where predicted[o &+ 1] != base[(party &- 1) &* count &+ index] {
                                return false
                            }
                            out[index] = predicted[0]
                        }
                        return true
                    }
                }
            }
        }
        return consistent ? result : nil
    }
}
