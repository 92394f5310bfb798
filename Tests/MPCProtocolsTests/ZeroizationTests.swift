import Algebra
import SecureMemory
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
        var triples = [BeaverTriple(a: .one, b: .one, c: .one)]
        zeroize(&triples)
        #expect(triples[0] == BeaverTriple(a: .zero, b: .zero, c: .zero))
    }

    /// PRSS keys live in `SecretBytes`; a PRSS built from keys that the caller then wipes still works.
    @Test func prssIndependentOfTheCallersKeyArrays() throws {
        let (n, t) = (4, 1)
        let subsets = PRSS.subsets(partyCount: n, threshold: t)
        let parties = try (1...n).map { party in
            var keys = subsets.indices.filter { subsets[$0].contains(party) }.map { SHA3_256.hash([UInt8($0)]) }
            let prss = try PRSS(partyID: party, partyCount: n, threshold: t, keys: keys)
            for i in keys.indices { keys[i].zeroize() }
            return prss
        }
        let shares = parties.map { $0.randomShares(count: 4, session: SessionID(1)) }
        let values = try #require(exactDecode(shares, degree: t))
        #expect(Set(values).count == 4)
    }
}
