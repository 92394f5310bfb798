import Algebra
import Testing
@testable import MPCProtocols

@Suite struct HyperInvertibleMatrixTests {
    /// Whether a square matrix over GF(p) is invertible (Gaussian elimination).
    static func isInvertible(_ matrix: [[FieldElement]]) -> Bool {
        var rows = matrix
        for column in rows.indices {
            guard let pivot = (column..<rows.count).first(where: { rows[$0][column] != .zero }) else { return false }
            rows.swapAt(column, pivot)
            let inverse = rows[column][column].inverse()!
            for row in (column + 1)..<rows.count {
                let factor = rows[row][column] * inverse
                for k in column..<rows.count { rows[row][k] -= factor * rows[column][k] }
            }
        }
        return true
    }

    static func submatrix(_ m: HyperInvertibleMatrix, rows: [Int], columns: [Int]) -> [[FieldElement]] {
        rows.map { row in columns.map { m[row, $0] } }
    }

    static func members(_ mask: Int, _ n: Int) -> [Int] { (0..<n).filter { mask & (1 << $0) != 0 } }

    /// BTH08 Definition 1, exhaustively: every k rows and k columns, for every k, give an invertible submatrix
    /// (C(2n, n) − 1 submatrices: 12869 at n = 8).
    @Test(arguments: 1...8)
    func everySquareSubmatrixIsInvertible(n: Int) {
        let m = HyperInvertibleMatrix(size: n)
        let masksBySize = Dictionary(grouping: 1..<(1 << n), by: \.nonzeroBitCount)
        var checked = 0
        for (_, masks) in masksBySize {
            for rowMask in masks {
                for columnMask in masks {
                    let sub = Self.submatrix(m, rows: Self.members(rowMask, n), columns: Self.members(columnMask, n))
                    #expect(Self.isInvertible(sub), "n = \(n): rows \(rowMask), columns \(columnMask)")
                    checked += 1
                }
            }
        }
        var binomial = 1
        for i in 0..<n { binomial = binomial * (2 * n - i) / (i + 1) }
        #expect(checked == binomial - 1)
    }

    /// The same on random square submatrices at the sizes the protocols use beyond exhaustive reach.
    @Test(arguments: [13, 31, 64])
    func randomSquareSubmatricesAreInvertible(n: Int) {
        let m = HyperInvertibleMatrix(size: n)
        var rng = SeededGenerator(seed: [UInt8(n)], domain: "test.him.submatrices")
        for _ in 0..<300 {
            let k = Int.random(in: 1...n, using: &rng)
            let rows = Array((0..<n).shuffled(using: &rng).prefix(k)).sorted()
            let columns = Array((0..<n).shuffled(using: &rng).prefix(k)).sorted()
            #expect(Self.isInvertible(Self.submatrix(m, rows: rows, columns: columns)), "n = \(n), k = \(k)")
        }
    }

    /// BTH08 Lemma 2, as extraction uses it: for y = M·x, any n of the 2n values determine the others. Here: the
    /// n − t honest inputs and t honestly checked outputs fix everything (the stacked matrix [I; M] restricted to
    /// those n rows is invertible), for every choice of t corrupt dealers and t honest checkers at (7, 2).
    @Test func honestInputsAndCheckedOutputsDetermineTheRest() {
        let n = 7, t = 2
        let m = HyperInvertibleMatrix(size: n)
        let identity = (0..<n).map { row in (0..<n).map { $0 == row ? FieldElement.one : .zero } }
        let stacked = identity + (0..<n).map { row in (0..<n).map { m[row, $0] } }
        for corruptMask in (0..<(1 << n)).filter({ $0.nonzeroBitCount == t }) {
            let honestInputs = (0..<n).filter { corruptMask & (1 << $0) == 0 }
            // The checked outputs are rows n − 2t…n − 1; any t of them may be the honestly checked ones.
            for checkedMask in (0..<(1 << (2 * t))).filter({ $0.nonzeroBitCount == t }) {
                let checkedRows = Self.members(checkedMask, 2 * t).map { n + (n - 2 * t) + $0 }
                #expect(Self.isInvertible((honestInputs + checkedRows).map { stacked[$0] }))
            }
        }
    }

    /// The construction: M maps a polynomial's values at 1…n to its values at n + 1…2n.
    @Test(arguments: [1, 4, 13])
    func mapsValuesBetweenPointSets(n: Int) {
        var rng = SeededGenerator(seed: [UInt8(n)], domain: "test.him.lagrange")
        let m = HyperInvertibleMatrix(size: n)
        let f = Polynomial((0..<n).map { _ in FieldElement.random(using: &rng) })
        let x = (1...n).map { f.evaluate(at: FieldElement(UInt64($0))) }
        #expect(m.apply(x) == (1...n).map { f.evaluate(at: FieldElement(UInt64(n + $0))) })
    }

    /// `ShareMatrix.fastOpen` (extraction's decoder) agrees with `RobustOpen.decode` on consistent sharings, with
    /// missing and excluded parties, and gives up (nil) on any wrong share or too few shares.
    @Test(arguments: [(4, 1), (7, 2), (13, 4)])
    func fastOpenMatchesRobustOpen(n: Int, t: Int) throws {
        var rng = SeededGenerator(seed: [UInt8(n)], domain: "test.him.fastopen")
        for degree in [t, 2 * t] {
            let secrets = (0..<20).map { _ in FieldElement.random(using: &rng) }
            let shares = secrets.map { secret in
                Polynomial([secret] + (0..<degree).map { _ in FieldElement.random(using: &rng) })
            }.map { f in (1...n).map { f.evaluate(at: FieldElement(UInt64($0))) } }
            var columns: [[FieldElement]?] = (0..<n).map { party in shares.map { $0[party] } }
            let budget = degree == t ? t : 0
            #expect(ShareMatrix(rows: columns, count: 20).fastOpen(degree: degree, budget: budget) == secrets)
            #expect(try RobustOpen.decode(columns: columns, degree: degree, threshold: budget, count: 20) == secrets)
            // One excluded party: the budget shrinks with it.
            #expect(ShareMatrix(rows: columns, count: 20).fastOpen(degree: degree, budget: max(0, budget - 1), excluded: [n]) == secrets)
            // One wrong share: no fast answer (the caller falls back to Berlekamp–Welch).
            columns[0]![7] += .one
            #expect(ShareMatrix(rows: columns, count: 20).fastOpen(degree: degree, budget: budget) == nil)
            // Too few shares for the budget.
            columns[0] = nil
            #expect(ShareMatrix(rows: columns, count: 20).fastOpen(degree: degree, budget: n - degree) == nil)
        }
    }

    /// The lazily reduced dot product equals the term-by-term one, also at the largest values and length 64.
    @Test func lazyDotProductMatchesNaive() {
        var rng = SeededGenerator(seed: [7], domain: "test.him.dot")
        let largest = FieldElement(FieldElement.modulus - 1)
        for count in [0, 1, 2, 13, 64, 200] {
            for extreme in [false, true] {
                let a = (0..<count).map { _ in extreme ? largest : FieldElement.random(using: &rng) }
                let b = (0..<count).map { _ in extreme ? largest : FieldElement.random(using: &rng) }
                let naive = zip(a, b).reduce(FieldElement.zero) { $0 + $1.0 * $1.1 }
                let lazy = a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        lazyDotProduct(x.baseAddress ?? UnsafePointer(bitPattern: 8)!, y.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: count)
                    }
                }
                #expect(lazy == naive, "count \(count), extreme \(extreme)")
            }
        }
    }
}
