import Testing
@testable import Algebra

@Suite struct FieldElementExtrasTests {
    @Test func batchInverseMatchesSingleInverses() {
        var rng = SeededGenerator(seed: [4], domain: "test.batch")
        var values = (0..<300).map { _ in FieldElement.random(using: &rng) }
        values[17] = .zero
        let inverses = FieldElement.batchInverse(values)
        for (value, inverse) in zip(values, inverses) {
            #expect(inverse == (value.inverse() ?? .zero))
        }
    }

    @Test func squareRootsOfRandomSquares() {
        var rng = SeededGenerator(seed: [6], domain: "test.sqrt")
        var nonSquares = 0
        for _ in 0..<200 {
            let a = FieldElement.random(using: &rng)
            let root = (a * a).squareRoot()
            #expect(root == a || root == -a)
            if let r = a.squareRoot() { #expect(r * r == a) } else { nonSquares += 1; #expect(!a.isSquare) }
        }
        #expect(nonSquares > 50 && nonSquares < 150, "about half of GF(p)* are non-squares")
        #expect(FieldElement.multiplicativeGenerator.squareRoot() == nil)
    }
}
