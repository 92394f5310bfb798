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

    /// goldilocks_multibit_combine (AVX2 for N % 4 == 0, scalar for N = 2) against Σ_p (NTT(X^e_p) − 1)·key_p.
    @Test(arguments: [2, 8, 512])
    func combineKernelMatchesReference(size N: Int) {
        let table = MonomialTable(transform: NegacyclicNTT(size: N))
        var generator = SeededGenerator(seed: [UInt8(N & 0xFF), 2], domain: "combine")
        for patterns in 1...3 {
            for columns in [1, 4] {
                for _ in 0..<10 {
                    let key = (0..<(patterns * columns * N)).map { _ in FieldElement.random(using: &generator) }
                    let exponents = (0..<patterns).map { _ in Int(generator.next() % UInt64(2 * N)) }
                    var combined = [FieldElement](repeating: .zero, count: columns * N)
                    key.withUnsafeBufferPointer { key in
                    exponents.withUnsafeBufferPointer { exponents in
                    table.powers.withUnsafeBufferPointer { powers in
                    table.orders.withUnsafeBufferPointer { orders in
                    combined.withUnsafeMutableBufferPointer { combined in
                        BlindRotationKernels.multiBitCombine(
                            key: key.baseAddress!, exponents: exponents.baseAddress!, patterns: patterns, columns: columns,
                            size: N, powers: powers.baseAddress!, orders: orders.baseAddress!, into: combined.baseAddress!)
                    }}}}}
                    var expected = [FieldElement](repeating: .zero, count: columns * N)
                    for p in 0..<patterns {
                        let factor = table.monomial(exponents[p]).map { $0 - .one }
                        for c in 0..<columns {
                            for t in 0..<N { expected[c * N + t] += factor[t] * key[(p * columns + c) * N + t] }
                        }
                    }
                    #expect(combined == expected, "N \(N) patterns \(patterns) columns \(columns) e \(exponents)")
                }
            }
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
