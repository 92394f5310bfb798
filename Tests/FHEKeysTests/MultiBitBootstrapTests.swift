import Algebra
import CGoldilocks
import Testing
@testable import FHEKeys

/// Issue 13 item 2: the multi-bit blind rotation (grouping factor 2) against the classic one — the same function on
/// random tables and messages, at test and production parameters — its NTT-domain pieces against references, and
/// its key format (round trip, server key, old format unchanged).
@Suite struct MultiBitBootstrapTests {
    static let server: ServerKey = {
        var generator = SeededGenerator(seed: Array("fhe-tests-multibit".utf8), domain: "test")
        return TestKeys.client.multiBitServerKey(seed: Array(repeating: 7, count: 32), using: &generator)
    }()

    /// X^e in Z_p[X]/(X^N + 1), coefficient form, 0 ≤ e < 2N.
    static func monomial(_ e: Int, size N: Int) -> [FieldElement] {
        var x = [FieldElement](repeating: .zero, count: N)
        x[e % N] = e < N ? .one : -FieldElement.one
        return x
    }

    @Test(arguments: [4, 8, 512, 2048])
    func monomialTableIsTheNTTOfMonomials(size N: Int) {
        let transform = NegacyclicNTT(size: N)
        let table = MonomialTable(transform: transform)
        #expect(table.orders.allSatisfy { $0 % 2 == 1 && Int($0) < 2 * N })
        #expect(Set(table.orders).count == N)
        var generator = SeededGenerator(seed: [UInt8(N & 0xFF), 1], domain: "monomial")
        for e in [0, 1, N - 1, N, N + 1, 2 * N - 1] + (0..<20).map({ _ in Int(generator.next() % UInt64(2 * N)) }) {
            var expected = Self.monomial(e, size: N)
            transform.forward(&expected)
            #expect(table.monomial(e) == expected, "e = \(e)")
        }
    }

    /// The inputs of one call of the fused group kernel; `powers` need not be a real root table (only the arithmetic
    /// is checked), so a test can push the factors powers − 1 to their largest value, p − 2.
    struct GroupInputs {
        var digits: [FieldElement], key: [FieldElement], exponents: [Int], powers: [UInt64], orders: [UInt32]
        var rows: Int, patterns: Int, columns: Int, size: Int

        /// goldilocks_multibit_multiply_accumulate (AVX2 for N % 4 == 0, scalar otherwise).
        func kernel() -> [FieldElement] {
            var output = [FieldElement](repeating: .zero, count: columns * size)
            digits.withUnsafeBufferPointer { digits in
            key.withUnsafeBufferPointer { key in
            exponents.withUnsafeBufferPointer { exponents in
            powers.withUnsafeBufferPointer { powers in
            orders.withUnsafeBufferPointer { orders in
            output.withUnsafeMutableBufferPointer { output in
                BlindRotationKernels.multiBitMultiplyAccumulate(
                    digits: digits.baseAddress!, rows: rows, key: key.baseAddress!, exponents: exponents.baseAddress!,
                    patterns: patterns, columns: columns, size: size, powers: powers.baseAddress!,
                    orders: orders.baseAddress!, into: output.baseAddress!)
            }}}}}}
            return output
        }

        /// Σ_row digits_row · Σ_p (powers[e_p·orders[t] mod 2N] − 1)·key_p[row·columns + m], one product at a time.
        func reference() -> [FieldElement] {
            var output = [FieldElement](repeating: .zero, count: columns * size)
            for t in 0..<size {
                let factors = exponents.map { FieldElement(powers[($0 * Int(orders[t])) & (2 * size - 1)]) - .one }
                for m in 0..<columns {
                    for row in 0..<rows {
                        var combined = FieldElement.zero
                        for p in 0..<patterns {
                            combined += factors[p] * key[(p * rows * columns + row * columns + m) * size + t]
                        }
                        output[m * size + t] += digits[row * size + t] * combined
                    }
                }
            }
            return output
        }
    }

    /// The fused combine-and-multiply-accumulate kernel against the reference with a real root table, over the
    /// production shape (2 rows, 3 patterns, 2 columns: its own AVX2 copy) and others.
    @Test(arguments: [2, 8, 512])
    func groupKernelMatchesReference(size N: Int) {
        let table = MonomialTable(transform: NegacyclicNTT(size: N))
        var generator = SeededGenerator(seed: [UInt8(N & 0xFF), 2], domain: "combine")
        for (rows, patterns, columns) in [(2, 3, 2), (1, 1, 1), (2, 2, 2), (3, 3, 1), (4, 3, 2), (1, 7, 3)] {
            for _ in 0..<4 {
                let random = { (count: Int) in (0..<count).map { _ in FieldElement.random(using: &generator) } }
                let inputs = GroupInputs(
                    digits: random(rows * N), key: random(patterns * rows * columns * N),
                    exponents: (0..<patterns).map { _ in Int(generator.next() % UInt64(2 * N)) },
                    powers: table.powers, orders: table.orders, rows: rows, patterns: patterns, columns: columns, size: N)
                #expect(inputs.kernel() == inputs.reference(), "N \(N) shape \((rows, patterns, columns)) e \(inputs.exponents)")
            }
        }
    }

    /// The worst cases of the lazy reduction: factors p − 2 (the largest, where a power is −1), key and digit values
    /// p − 1 and 0..2 below p or above 0, so every 128-bit sum carries into the third word as often as it can (two
    /// carries of 2^128 for three products) and the low words carry too; a carry lost or counted wrong changes the result.
    @Test(arguments: [2, 8, 512])
    func groupKernelLazyReductionBoundaries(size N: Int) {
        let p = FieldElement.modulus
        var generator = SeededGenerator(seed: [UInt8(N & 0xFF), 3], domain: "combine-boundary")
        let near = { (g: inout SeededGenerator) -> FieldElement in
            let r = g.next()
            return FieldElement(r & 1 == 0 ? p - 1 - (r >> 1) % 3 : (r >> 1) % 3)
        }
        for (rows, patterns, columns) in [(2, 3, 2), (1, 3, 4), (4, 7, 1), (2, 2, 2)] {
            for variant in 0..<4 {
                let powers: [UInt64] = (0..<(2 * N)).map { _ in
                    variant == 0 || generator.next() & 1 == 0 ? p - 1 : 1 + generator.next() % 3
                }
                let value = { (g: inout SeededGenerator) -> FieldElement in
                    variant < 2 ? FieldElement(p - 1) : variant == 2 ? near(&g) : FieldElement.random(using: &g)
                }
                let inputs = GroupInputs(
                    digits: (0..<(rows * N)).map { _ in value(&generator) },
                    key: (0..<(patterns * rows * columns * N)).map { _ in value(&generator) },
                    exponents: (0..<patterns).map { _ in Int(generator.next() % UInt64(2 * N)) },
                    powers: powers, orders: (0..<N).map { _ in UInt32(generator.next() % UInt64(2 * N)) },
                    rows: rows, patterns: patterns, columns: columns, size: N)
                let output = inputs.kernel()
                #expect(output.allSatisfy { $0.value < p })
                #expect(output == inputs.reference(), "N \(N) shape \((rows, patterns, columns)) variant \(variant)")
            }
        }
    }

    /// The fused group step changes no bit of the bootstrap: the same blind rotation with each group's GGSW combined
    /// on its own (in Swift) and then the classic multiply-accumulate kernel, as before the fusion, gives the same output.
    @Test func bootstrapIsBitIdenticalToUnfusedGroupSteps() {
        let key = Self.server.multiBitBootstrappingKey!
        let p = key.parameters, k = p.glweDimension, N = p.polynomialSize, levels = p.pbsLevels, rows = key.rows
        let columns = rows * (k + 1), block = MultiBitBootstrappingKey.patterns * columns * N
        let logTwoN = N.trailingZeroBitCount + 1
        var generator = SeededGenerator(seed: [64], domain: "multibit-bits")
        for _ in 0..<3 {
            let table = (0..<p.plaintextModulus).map { _ in generator.next() % p.plaintextModulus }
            let c = TestKeys.client.encrypt(generator.next() % p.plaintextModulus, using: &generator)
            var acc = BootstrappingKey.initialAccumulator(body: c.body, table: table, parameters: p)
            for g in 0..<key.groups {
                let a0 = Int(Arithmetic.roundScaleFast(c.mask[2 * g].value, bits: logTwoN))
                let a1 = Int(Arithmetic.roundScaleFast(c.mask[2 * g + 1].value, bits: logTwoN))
                if a0 == 0 && a1 == 0 { continue }
                var combined = [FieldElement](repeating: .zero, count: columns * N)
                for (pattern, e) in [a0, a1, (a0 + a1) % (2 * N)].enumerated() {
                    let factor = key.monomials.monomial(e).map { $0 - .one }
                    for i in 0..<(columns * N) {
                        combined[i] += factor[i % N] * key.ntt[g * block + pattern * columns * N + i]
                    }
                }
                var digits = [FieldElement](repeating: .zero, count: rows * N)
                var out = [FieldElement](repeating: .zero, count: (k + 1) * N)
                acc.withUnsafeBufferPointer { acc in
                digits.withUnsafeMutableBufferPointer { digits in
                combined.withUnsafeBufferPointer { combined in
                out.withUnsafeMutableBufferPointer { out in
                    for c in 0...k {
                        BlindRotationKernels.decompose(acc.baseAddress! + c * N, size: N, baseLog: p.pbsBaseLog,
                                                       levels: levels, into: digits.baseAddress! + c * levels * N)
                    }
                    for row in 0..<rows {
                        key.transform.forward(UnsafeMutableBufferPointer(start: digits.baseAddress! + row * N, count: N))
                    }
                    BlindRotationKernels.multiplyAccumulate(digits: digits.baseAddress!, rows: rows,
                                                            key: combined.baseAddress!, columns: k + 1, size: N,
                                                            into: out.baseAddress!)
                    for m in 0...k {
                        key.transform.inverseWithoutScaling(UnsafeMutableBufferPointer(start: out.baseAddress! + m * N,
                                                                                       count: N))
                    }
                }}}}
                for i in 0..<acc.count { acc[i] += out[i] }
            }
            let expected = BootstrappingKey.sampleExtract(acc, glweDimension: k, polynomialSize: N)
            #expect(key.bootstrap(c, table: table) == expected)
        }
    }

    @Test func indicatorsSelectExactlyOnePattern() {
        let s: [FieldElement] = [.zero, .zero, .one, .zero, .zero, .one, .one, .one]
        let pairs = (0..<4).map { s[2 * $0] * s[2 * $0 + 1] }
        let indicators = MultiBitBootstrappingKey.indicators(smallSecret: s, pairProducts: pairs)
        #expect(indicators == [.zero, .zero, .zero, .one, .zero, .zero, .zero, .one, .zero, .zero, .zero, .one])
    }

    /// The same function as the classic blind rotation on random tables and messages, at test parameters.
    @Test func matchesClassicBlindRotationOnRandomTables() {
        var generator = SeededGenerator(seed: [61], domain: "multibit-random")
        let p = TestKeys.parameters, client = TestKeys.client
        for _ in 0..<40 {
            let table = (0..<p.plaintextModulus).map { _ in generator.next() % p.plaintextModulus }
            let m = generator.next() % p.plaintextModulus
            let c = client.encrypt(m, using: &generator)
            let classic = TestKeys.server.apply(table, to: c)
            let multiBit = Self.server.apply(table, to: c)
            #expect(client.decrypt(multiBit) == table[Int(m)], "m \(m)")
            #expect(client.decrypt(multiBit) == client.decrypt(classic))
            // Before the key switch, under the big key.
            let raw = Self.server.bootstrap(c, table: table)
            #expect(client.big.extractedLWEKey.decrypt(raw, parameters: p) == table[Int(m)])
        }
    }

    /// Both blind rotations on the same ciphertext give phases within the PBS noise of each other (the
    /// rotation, not only the rounding, agrees), including a trivial input (mask 0: every group skipped).
    @Test func phasesAgreeWithClassicWithinNoise() {
        var generator = SeededGenerator(seed: [62], domain: "multibit-phase")
        let p = TestKeys.parameters, big = TestKeys.client.big.extractedLWEKey
        let table = (0..<p.plaintextModulus).map { ($0 * 5 + 3) % p.plaintextModulus }
        for m in 0..<p.plaintextModulus {
            let c = TestKeys.client.encrypt(m, using: &generator)
            let a = Self.server.bootstrap(c, table: table).phase(big)
            let b = TestKeys.server.bootstrappingKey!.bootstrap(c, table: table).phase(big)
            #expect(abs(Arithmetic.signed(a - b)) < Int64(1) << 52, "m \(m)")
        }
        let trivial = LWECiphertext.trivial(dimension: p.lweDimension, plaintext: Encoding.encode(3, p))
        #expect(big.decrypt(Self.server.bootstrap(trivial, table: table), parameters: p) == table[3])
    }

    @Test func keyRoundTripsAndServerKeyKeepsItsFormat() throws {
        let key = Self.server.multiBitBootstrappingKey!
        let bytes = key.serialized()
        #expect(bytes[4] == FHEObjectType.multiBitBootstrappingKey.rawValue)
        #expect(bytes.count == 7 + 32 + 8 * MultiBitBootstrappingKey.bodyCount(parameters: TestKeys.parameters))
        let reloaded = try MultiBitBootstrappingKey(serialized: bytes)
        #expect(reloaded.ntt == key.ntt)
        #expect(throws: FHEError.wrongType(expected: FHEObjectType.bootstrappingKey.rawValue,
                                           found: FHEObjectType.multiBitBootstrappingKey.rawValue)) {
            try BootstrappingKey(serialized: bytes)
        }
        let server = try ServerKey(serialized: Self.server.serialized())
        #expect(server.multiBitBootstrappingKey?.ntt == key.ntt && server.bootstrappingKey == nil)
        // A classic server key still serializes in the 0.1.0 layout and loads as classic.
        let classic = try ServerKey(serialized: TestKeys.server.serialized())
        #expect(classic.bootstrappingKey?.ntt == TestKeys.server.bootstrappingKey!.ntt)
        #expect(classic.serialized() == TestKeys.server.serialized())
    }

    /// Production parameters (n = 918, N = 2048): the multi-bit key against the classic one on random tables.
    @Test func matchesClassicAtProductionParameters() {
        var generator = SeededGenerator(seed: [63], domain: "multibit-prod")
        let client = ProductionParameterTests.keys.client
        let multiBit = client.multiBitServerKey(seed: Array(repeating: 3, count: 32), using: &generator)
        for _ in 0..<3 {
            let table = (0..<16).map { _ in generator.next() % 16 }
            let m = generator.next() % 16
            let c = client.encrypt(m, using: &generator)
            let ours = client.decrypt(multiBit.apply(table, to: c))
            #expect(ours == table[Int(m)], "m \(m)")
            #expect(ours == client.decrypt(ProductionParameterTests.keys.server.apply(table, to: c)))
        }
    }
}
