import Algebra

/// An n×n hyper-invertible matrix over GF(p) (Beerliová-Trubíniová & Hirt, "Perfectly-secure MPC with linear
/// communication complexity", TCC 2008, §3.2, Definition 1): every square submatrix — any k rows and any k
/// columns, 1 ≤ k ≤ n — is invertible. Equivalently (BTH08 Lemma 2), for y = M·x any n of the 2n values
/// x_1…x_n, y_1…y_n determine the other n, linearly.
///
/// Construction (BTH08 §3.2): M maps the values of a polynomial f of degree < n at α_1…α_n to its values at
/// β_1…β_n, the 2n points distinct: M[i][j] = λ_j(β_i) = Π_{k≠j} (β_i − α_k)/(α_j − α_k). Here α_j = j and
/// β_i = n + i. Proof: let R be k rows, C be k columns and M_R^C·v = 0; the polynomial f of degree < n with
/// f(α_j) = v_j on C and f(α_j) = 0 off C vanishes at the n − k points α_j off C and at the k points β_i in R,
/// n distinct points, so f = 0 and v = 0. (Tested exhaustively for n ≤ 8 in `HyperInvertibleMatrixTests`.)
public struct HyperInvertibleMatrix: Sendable {
    public let size: Int
    /// Row-major: M[i][j] at i·size + j (0-based).
    let entries: [FieldElement]

    public init(size n: Int) {
        precondition(n >= 1 && n <= 1 << 20, "hyper-invertible matrix size out of range")
        let alphas = (1...n).map { FieldElement(UInt64($0)) }
        size = n
        entries = (1...n).flatMap { Polynomial.lagrangeCoefficients(xs: alphas, at: FieldElement(UInt64(n + $0))) }
    }

    /// M[row][column], 0-based.
    public subscript(row: Int, column: Int) -> FieldElement { entries[row * size + column] }

    /// M·x.
    public func apply(_ x: [FieldElement]) -> [FieldElement] {
        precondition(x.count == size, "vector length must match the matrix")
        return entries.withUnsafeBufferPointer { m in
            x.withUnsafeBufferPointer { v in
                (0..<size).map { lazyDotProduct(m.baseAddress! + $0 * size, v.baseAddress!, count: size) }
            }
        }
    }
}

/// Σ a[k]·b[k] mod p with a single reduction: the low and the high words of the 128-bit products are summed
/// separately in two 128-bit accumulators (add/adc pairs, no data-dependent branches: carries of single-word
/// sums compiled to branches that mispredicted half the time). The hot loop of HIM extraction and dealing.
@inline(__always)
func lazyDotProduct(_ a: UnsafePointer<FieldElement>, _ b: UnsafePointer<FieldElement>, count: Int) -> FieldElement {
    var lows: UInt128 = 0
    var highs: UInt128 = 0
    for k in 0..<count {
        let (high, low) = a[k].value.multipliedFullWidth(by: b[k].value)
        lows &+= UInt128(low)
        highs &+= UInt128(high)
    }
    return reduceSums(lows: lows, highs: highs)
}

/// M·x for a row-major `rows`×`columns` matrix and one vector: rows two at a time, so the two products of each
/// x[k] run side by side (independent carry chains, one load of x[k]).
@inline(__always)
func matrixVectorProduct(
    _ m: UnsafePointer<FieldElement>, rows: Int, columns: Int, _ x: UnsafePointer<FieldElement>,
    into out: UnsafeMutablePointer<FieldElement>
) {
    var row = 0
    while row &+ 1 < rows {
        let first = m + row &* columns, second = first + columns
        var lows0: UInt128 = 0, highs0: UInt128 = 0, lows1: UInt128 = 0, highs1: UInt128 = 0
        for k in 0..<columns {
            let value = x[k].value
            let (high0, low0) = first[k].value.multipliedFullWidth(by: value)
            let (high1, low1) = second[k].value.multipliedFullWidth(by: value)
            lows0 &+= UInt128(low0)
            highs0 &+= UInt128(high0)
            lows1 &+= UInt128(low1)
            highs1 &+= UInt128(high1)
        }
        out[row] = reduceSums(lows: lows0, highs: highs0)
        out[row &+ 1] = reduceSums(lows: lows1, highs: highs1)
        row &+= 2
    }
    if row < rows { out[row] = lazyDotProduct(m + row &* columns, x, count: columns) }
}

/// (highs·2^64 + lows) mod p for sums of fewer than 2^32 products. The sum is top·2^128 + mid·2^64 + low with
/// top ≤ the number of terms, and with 2^96 ≡ −1 (mod p), 2^128 ≡ −2^32, so it is ≡ reduce(mid, low) − top·2^32.
@inline(__always)
func reduceSums(lows: UInt128, highs: UInt128) -> FieldElement {
    let (mid, carry) = UInt64(truncatingIfNeeded: highs).addingReportingOverflow(UInt64(truncatingIfNeeded: lows >> 64))
    let top = UInt64(truncatingIfNeeded: highs >> 64) &+ (carry ? 1 : 0)
    return FieldElement.reduce(high: mid, low: UInt64(truncatingIfNeeded: lows)) - FieldElement(top << 32)
}
