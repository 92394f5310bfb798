import Algebra

/// Decodes Shamir shares (a Reed–Solomon codeword of dimension t + 1) with up to e wrong values by
/// Berlekamp–Welch (Welch & Berlekamp 1986, US patent 4,633,470; see also Gemmell & Sudan 1992):
/// find E monic of degree e and Q of degree ≤ t + e with Q(x_i) = y_i·E(x_i); then f = Q / E.
public enum ReedSolomonDecoder {
    /// The degree-≤`degree` polynomial agreeing with all but at most `maxErrors` of the points, or nil.
    public static func decode(xs: [FieldElement], ys: [FieldElement], degree: Int, maxErrors: Int) -> Polynomial? {
        let m = xs.count
        guard m >= degree + 1 else { return nil }
        var e = min(maxErrors, (m - degree - 1) / 2)
        while e >= 0 {
            if let polynomial = solve(xs: xs, ys: ys, degree: degree, errors: e) {
                let disagreements = zip(xs, ys).filter { polynomial.evaluate(at: $0) != $1 }.count
                if disagreements <= e { return polynomial }
            }
            e -= 1
        }
        return nil
    }

    private static func solve(xs: [FieldElement], ys: [FieldElement], degree: Int, errors e: Int) -> Polynomial? {
        let qCount = degree + e + 1
        let unknowns = qCount + e
        // Row i: Σ Q_k x^k − y Σ_{k<e} E_k x^k = y x^e.
        var matrix = [[FieldElement]]()
        matrix.reserveCapacity(xs.count)
        for (x, y) in zip(xs, ys) {
            var row = [FieldElement](repeating: .zero, count: unknowns + 1)
            var power = FieldElement.one
            for k in 0..<max(qCount, e + 1) {
                if k < qCount { row[k] = power }
                if k < e { row[qCount + k] = -(y * power) }
                if k == e { row[unknowns] = y * power }
                power *= x
            }
            matrix.append(row)
        }
        guard let solution = gaussianSolve(&matrix, unknowns: unknowns) else { return nil }
        let q = Polynomial(Array(solution[0..<qCount]))
        let errorLocator = Polynomial(Array(solution[qCount..<unknowns]) + [.one])
        let (quotient, remainder) = q.divided(by: errorLocator)
        guard remainder.isZero, quotient.degree <= degree else { return nil }
        return quotient
    }

    /// Some solution of the linear system (free variables set to zero), or nil if it is inconsistent.
    static func gaussianSolve(_ matrix: inout [[FieldElement]], unknowns: Int) -> [FieldElement]? {
        let rows = matrix.count
        var pivotColumns = [Int]()
        var pivotRow = 0
        for column in 0..<unknowns where pivotRow < rows {
            guard let found = (pivotRow..<rows).first(where: { matrix[$0][column].value != 0 }) else { continue }
            matrix.swapAt(pivotRow, found)
            let inverse = matrix[pivotRow][column].inverse()!
            for k in column...unknowns { matrix[pivotRow][k] *= inverse }
            for other in 0..<rows where other != pivotRow {
                let factor = matrix[other][column]
                if factor.value == 0 { continue }
                for k in column...unknowns { matrix[other][k] -= factor * matrix[pivotRow][k] }
            }
            pivotColumns.append(column)
            pivotRow += 1
        }
        for row in pivotRow..<rows where matrix[row][unknowns].value != 0 { return nil }
        var solution = [FieldElement](repeating: .zero, count: unknowns)
        for (row, column) in pivotColumns.enumerated() { solution[column] = matrix[row][unknowns] }
        return solution
    }
}
