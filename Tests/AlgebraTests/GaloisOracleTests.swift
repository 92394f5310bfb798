import Foundation
import Testing
@testable import Algebra

/// Vectors produced by scripts/oracles/galois_vectors.py with the Python `galois` package (an implementation
/// nobody here wrote). The test fails with the script's message when python3 or galois is missing.
private struct GaloisVectors: Decodable {
    struct Products: Decodable { let a, b, product, sum, difference: [UInt64] }
    struct Inverses: Decodable { let a, inverse: [UInt64] }
    struct Interpolation: Decodable { let xs, ys, coefficients: [UInt64] }
    struct Division: Decodable { let a, b, quotient, remainder: [UInt64] }
    struct NTT: Decodable { let size: Int; let x, y, negacyclicProduct, evaluations: [UInt64] }
    let products: Products
    let inverses: Inverses
    let squares: [UInt64]
    let nonSquares: [UInt64]
    let interpolations: [Interpolation]
    let divisions: [Division]
    let ntts: [NTT]

    static func load(seed: Int) throws -> GaloisVectors {
        let script = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/oracles/galois_vectors.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, String(seed)]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OracleFailure(message: "python3 \(script.path) failed (needs python3 and `pip install galois`): \(message)")
        }
        return try JSONDecoder().decode(GaloisVectors.self, from: data)
    }
}

private struct OracleFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

private func field(_ values: [UInt64]) -> [FieldElement] { values.map { FieldElement($0) } }

@Suite struct GaloisOracleTests {
    @Test func fieldPolynomialAndNTTMatchGalois() throws {
        let vectors = try GaloisVectors.load(seed: Int.random(in: 1...1_000_000))
        let p = vectors.products
        for i in p.a.indices {
            let a = FieldElement(p.a[i]), b = FieldElement(p.b[i])
            #expect((a * b).value == p.product[i])
            #expect((a + b).value == p.sum[i])
            #expect((a - b).value == p.difference[i])
        }
        for (a, inverse) in zip(vectors.inverses.a, vectors.inverses.inverse) {
            #expect(FieldElement(a).inverse()?.value == inverse)
        }
        #expect(FieldElement.batchInverse(field(vectors.inverses.a)).map(\.value) == vectors.inverses.inverse)
        for square in field(vectors.squares) {
            let root = try #require(square.squareRoot())
            #expect(root * root == square)
        }
        for nonSquare in field(vectors.nonSquares) { #expect(nonSquare.squareRoot() == nil) }
        for interpolation in vectors.interpolations {
            let polynomial = Polynomial.interpolate(xs: field(interpolation.xs), ys: field(interpolation.ys))
            #expect(polynomial.coefficients.map(\.value) == interpolation.coefficients)
        }
        for division in vectors.divisions {
            let (quotient, remainder) = Polynomial(field(division.a)).divided(by: Polynomial(field(division.b)))
            #expect(quotient.coefficients.map(\.value) == division.quotient.reversedTrim())
            #expect(remainder.coefficients.map(\.value) == division.remainder.reversedTrim())
        }
        for vector in vectors.ntts {
            let ntt = NegacyclicNTT(size: vector.size)
            #expect(ntt.multiply(field(vector.x), field(vector.y)).map(\.value) == vector.negacyclicProduct)
            var transformed = field(vector.x)
            ntt.forward(&transformed)
            // Any fixed order is allowed: the transform must be the evaluations at ψ^(2j+1), as a multiset.
            #expect(transformed.map(\.value).sorted() == vector.evaluations.sorted())
        }
    }
}

private extension Array where Element == UInt64 {
    /// galois prints the zero polynomial as [0]; Polynomial stores it without coefficients.
    func reversedTrim() -> [UInt64] {
        var copy = self
        while copy.last == 0 { copy.removeLast() }
        return copy
    }
}
