import Testing
@testable import Algebra

@Suite struct PolynomialTests {
    @Test func interpolationRecoversRandomPolynomials() {
        var rng = SeededGenerator(seed: [8], domain: "test.poly")
        for degree in [0, 1, 4, 20] {
            let polynomial = Polynomial((0...degree).map { _ in FieldElement.random(using: &rng) })
            let xs = (1...(degree + 1)).map { FieldElement(UInt64($0 * 3)) }
            let ys = xs.map { polynomial.evaluate(at: $0) }
            #expect(Polynomial.interpolate(xs: xs, ys: ys) == polynomial)
            let z = FieldElement.random(using: &rng)
            #expect(Polynomial.interpolate(xs: xs, ys: ys, at: z) == polynomial.evaluate(at: z))
        }
    }

    @Test func divisionSatisfiesTheDivisionIdentity() {
        var rng = SeededGenerator(seed: [9], domain: "test.div")
        for (degreeA, degreeB) in [(10, 3), (4, 4), (2, 6), (30, 1)] {
            let a = Polynomial((0...degreeA).map { _ in FieldElement.random(using: &rng) })
            let b = Polynomial((0...degreeB).map { _ in FieldElement.random(using: &rng) })
            let (quotient, remainder) = a.divided(by: b)
            #expect(quotient * b + remainder == a)
            #expect(remainder.degree < b.degree)
        }
    }
}
