import Algebra
import Testing
@testable import MPCProtocols

@Suite struct SessionIDTests {
    /// The SplitMix child derivation made SessionID(v).child(2) equal SessionID(v + γ).child(1): two sessions
    /// sharing a PRSS stream and a mailbox. Hashed 256-bit ids do not.
    @Test func splitMixCollisionIsGone() {
        for v: UInt64 in [0, 1, 42, 0xDEAD_BEEF, .max] {
            #expect(SessionID(v).child(2) != SessionID(v &+ 0x9E37_79B9_7F4A_7C15).child(1), "v = \(v)")
        }
    }

    /// Children of structured parents (v + k·γ, the shape of the SplitMix collision) and of random parents
    /// never collide with each other, their parents or their grandchildren.
    @Test func numericChildrenNeverCollide() {
        var rng = SeededGenerator(seed: [7], domain: "test.session")
        var seen = Set<SessionID>()
        var derived = 0
        for _ in 0..<200 {
            let base = rng.next()
            for k: UInt64 in 0..<4 {
                let parent = SessionID(base &+ k &* 0x9E37_79B9_7F4A_7C15)
                seen.insert(parent)
                derived += 1
                for label: UInt64 in 0..<6 {
                    let child = parent.child(label)
                    seen.insert(child)
                    seen.insert(child.child(label))
                    derived += 2
                }
            }
        }
        #expect(seen.count == derived)
    }

    /// Random parents, labels and counters: distinct derivations never give the same id, over many draws.
    @Test func namedChildrenNeverCollide() throws {
        var rng = SeededGenerator(seed: [8], domain: "test.session.named")
        var derivations = Set<[UInt8]>()
        var ids = Set<SessionID>()
        for _ in 0..<3000 {
            let parent = try SessionID(bytes: (0..<32).map { _ in UInt8.random(in: 0...3, using: &rng) })
            let label = String((0..<Int.random(in: 0...3, using: &rng)).map { _ in "abc".randomElement(using: &rng)! })
            let counter = UInt64.random(in: 0...3, using: &rng)
            // The derivation's inputs, unambiguously: a repeated input must give the same id, a new one a new id.
            let key = parent.bytes + [UInt8(label.utf8.count)] + Array(label.utf8) + [UInt8(counter)]
            let child = parent.child(label, counter)
            #expect(derivations.insert(key).inserted == ids.insert(child).inserted, "\(label) \(counter)")
        }
        #expect(ids.count > 2000)
    }

    /// Labels are length-prefixed: concatenations that read the same stay apart.
    @Test func labelsAreLengthPrefixed() {
        #expect(SessionID.root(requestID: Array("ab".utf8), label: "c") != SessionID.root(requestID: Array("a".utf8), label: "bc"))
        let parent = SessionID(5)
        #expect(parent.child("ab").child("c") != parent.child("a").child("bc"))
        #expect(parent.child("ab", 0) != parent.child("a", 0x62))
        #expect(parent.child("a\u{0}", 0) != parent.child("a", 0))
        #expect(parent.child(0) != parent.child("", 0), "numeric and named children are different derivations")
        #expect(SessionID.root(requestID: [1], label: "x") != SessionID.root(requestID: [1], label: "y"))
    }

    @Test func bytesRoundTripAndHexDescription() throws {
        let id = SessionID.root(requestID: [1, 2, 3], label: "decrypt").child("attempt", 2)
        #expect(id.bytes.count == 32)
        #expect(try SessionID(bytes: id.bytes) == id)
        #expect(id.description.count == 64)
        #expect(id.description == id.bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined())
        #expect(throws: MPCError.self) { try SessionID(bytes: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: MPCError.self) { try SessionID(bytes: [UInt8](repeating: 0, count: 33)) }
    }
}
