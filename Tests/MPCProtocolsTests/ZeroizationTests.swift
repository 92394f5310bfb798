import Algebra
import Testing
@testable import MPCProtocols

@Suite struct ZeroizationTests {
    @Test func zeroizeOverwritesOwnedArraysInPlace() {
        var rng = SeededGenerator(seed: [5], domain: "test.zeroize")
        var shares = (0..<64).map { _ in FieldElement.random(using: &rng) }
        let storage = shares.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) }
        zeroize(&shares)
        #expect(shares.allSatisfy { $0 == .zero })
        // Same storage: the wipe wrote through the array's buffer, not into a fresh copy.
        #expect(shares.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress!) } == storage)
        var bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &+ 1) }
        zeroize(&bytes)
        #expect(bytes.allSatisfy { $0 == 0 })
        var triples = [BeaverTriple(a: .one, b: .one, c: .one)]
        zeroize(&triples)
        #expect(triples[0] == BeaverTriple(a: .zero, b: .zero, c: .zero))
    }

    @Test func secretBytesKeepTheirContentUntilDropped() {
        let key = (0..<32).map { UInt8($0 * 7 % 256) }
        let secret = ZeroizingBytes(key)
        #expect(secret.count == 32)
        #expect(secret.withBytes { Array($0) } == key)
        var scratch = key
        scratch.withUnsafeMutableBytes { secureZero($0) }
        #expect(scratch == [UInt8](repeating: 0, count: 32))
    }

    /// PRSS keys live in `ZeroizingBytes`; a PRSS built from keys that the caller then wipes still works.
    @Test func prssIndependentOfTheCallersKeyArrays() throws {
        let (n, t) = (4, 1)
        let subsets = PRSS.subsets(partyCount: n, threshold: t)
        let parties = try (1...n).map { party in
            var keys = subsets.indices.filter { subsets[$0].contains(party) }.map { SHA3_256.hash([UInt8($0)]) }
            let prss = try PRSS(partyID: party, partyCount: n, threshold: t, keys: keys)
            for i in keys.indices { zeroize(&keys[i]) }
            return prss
        }
        let shares = parties.map { $0.randomShares(count: 4, session: SessionID(1)) }
        let values = try #require(exactDecode(shares, degree: t))
        #expect(Set(values).count == 4)
    }
}
