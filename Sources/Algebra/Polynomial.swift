/// A polynomial over GF(p), coefficients in ascending degree order (constant term first). Used for Shamir
/// sharing, Lagrange interpolation and Reed–Solomon decoding.
public struct Polynomial: Sendable, Hashable, CustomStringConvertible {
    /// Coefficients without trailing zeros (the zero polynomial has none).
    public private(set) var coefficients: [FieldElement]

    public init(_ coefficients: [FieldElement]) {
        self.coefficients = coefficients
        normalize()
    }

    public static let zero = Polynomial([])

    /// Degree, or −1 for the zero polynomial.
    public var degree: Int { coefficients.count - 1 }
    public var isZero: Bool { coefficients.isEmpty }
    public var description: String { "Polynomial(\(coefficients))" }

    private mutating func normalize() {
        while let last = coefficients.last, last.value == 0 { coefficients.removeLast() }
    }

    /// The value at x (Horner's rule).
    @inlinable
    public func evaluate(at x: FieldElement) -> FieldElement {
        var result = FieldElement.zero
        for coefficient in coefficients.reversed() { result = result * x + coefficient }
        return result
    }

    /// The polynomial of degree < points.count through the points (Lagrange). The x must be distinct.
    public static func interpolate(xs: [FieldElement], ys: [FieldElement]) -> Polynomial {
        precondition(xs.count == ys.count, "interpolation needs as many values as points")
        var result = [FieldElement](repeating: .zero, count: xs.count)
        // The product ∏(X − x_j), divided by (X − x_i) for each i.
        var full = Polynomial([.one])
        for x in xs { full = full * Polynomial([-x, .one]) }
        for i in xs.indices {
            let (basis, _) = full.divided(by: Polynomial([-xs[i], .one]))
            var denominator = FieldElement.one
            for j in xs.indices where j != i { denominator *= xs[i] - xs[j] }
            let scale = ys[i] * denominator.inverse()!
            for (k, coefficient) in basis.coefficients.enumerated() { result[k] += scale * coefficient }
        }
        return Polynomial(result)
    }

    /// The value at x of the polynomial through the points, without building it.
    public static func interpolate(xs: [FieldElement], ys: [FieldElement], at x: FieldElement) -> FieldElement {
        lagrangeCoefficients(xs: xs, at: x).enumerated().reduce(FieldElement.zero) { $0 + $1.element * ys[$1.offset] }
    }

    /// λ_i with f(x) = Σ λ_i f(x_i) for every f of degree < xs.count.
    public static func lagrangeCoefficients(xs: [FieldElement], at x: FieldElement) -> [FieldElement] {
        var numerators = [FieldElement](repeating: .one, count: xs.count)
        var denominators = [FieldElement](repeating: .one, count: xs.count)
        for i in xs.indices {
            for j in xs.indices where j != i {
                numerators[i] *= x - xs[j]
                denominators[i] *= xs[i] - xs[j]
            }
        }
        let inverses = FieldElement.batchInverse(denominators)
        return zip(numerators, inverses).map { $0 * $1 }
    }

    /// Quotient and remainder of self ÷ divisor (divisor must be non-zero).
    public func divided(by divisor: Polynomial) -> (quotient: Polynomial, remainder: Polynomial) {
        precondition(!divisor.isZero, "division by the zero polynomial")
        if degree < divisor.degree { return (.zero, self) }
        var remainder = coefficients
        var quotient = [FieldElement](repeating: .zero, count: degree - divisor.degree + 1)
        let leadInverse = divisor.coefficients.last!.inverse()!
        for shift in stride(from: degree - divisor.degree, through: 0, by: -1) {
            let factor = remainder[shift + divisor.degree] * leadInverse
            quotient[shift] = factor
            if factor.value == 0 { continue }
            for (k, coefficient) in divisor.coefficients.enumerated() { remainder[shift + k] -= factor * coefficient }
        }
        return (Polynomial(quotient), Polynomial(remainder))
    }

    public static func + (a: Polynomial, b: Polynomial) -> Polynomial {
        var result = [FieldElement](repeating: .zero, count: max(a.coefficients.count, b.coefficients.count))
        for (i, c) in a.coefficients.enumerated() { result[i] += c }
        for (i, c) in b.coefficients.enumerated() { result[i] += c }
        return Polynomial(result)
    }

    public static func - (a: Polynomial, b: Polynomial) -> Polynomial {
        a + Polynomial(b.coefficients.map { -$0 })
    }

    /// Schoolbook product (the polynomials here have degree ≤ 2n).
    public static func * (a: Polynomial, b: Polynomial) -> Polynomial {
        if a.isZero || b.isZero { return .zero }
        var result = [FieldElement](repeating: .zero, count: a.coefficients.count + b.coefficients.count - 1)
        for (i, x) in a.coefficients.enumerated() {
            for (j, y) in b.coefficients.enumerated() { result[i + j] += x * y }
        }
        return Polynomial(result)
    }
}
