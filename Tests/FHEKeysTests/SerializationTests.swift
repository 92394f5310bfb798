import Algebra
import Testing
@testable import FHEKeys

@Suite struct SerializationTests {
    @Test func roundTrips() throws {
        var generator = SeededGenerator(seed: [20], domain: "ser")
        let client = TestKeys.client
        let c = client.encrypt(7, using: &generator)
        #expect(try LWECiphertext(serialized: c.serialized(parameters: client.parameters)) == c)
        #expect(try ClientKey(serialized: client.serialized()) == client)
        let ksk = TestKeys.server.keySwitchingKey
        #expect(try KeySwitchingKey(serialized: ksk.serialized()) == ksk)
        let bsk = TestKeys.server.bootstrappingKey!
        let reloaded = try BootstrappingKey(serialized: bsk.serialized())
        #expect(reloaded.ntt == bsk.ntt)
        #expect(FHESerialization.digest(bsk.serialized()) == FHESerialization.digest(reloaded.serialized()))
        #expect(FHESerialization.digest(ksk.serialized()) != FHESerialization.digest(bsk.serialized()))
    }

    @Test func wrongTypeAndTruncationAreTypedErrors() {
        let bytes = TestKeys.client.serialized()
        #expect(throws: FHEError.wrongType(expected: 1, found: 2)) { try LWECiphertext(serialized: bytes) }
        #expect(throws: FHEError.self) { try ClientKey(serialized: Array(bytes.dropLast())) }
        #expect(throws: FHEError.oversized(extraBytes: 1)) { try ClientKey(serialized: bytes + [0]) }
    }

    /// `ByteReader.elements` (one pass) against reading the same words one by one: the same values and offset, or
    /// the same error (the first non-canonical word, or truncation), on random words with non-canonical ones
    /// planted at random places.
    @Test func elementsReadsLikeElementByElement() {
        var generator = SeededGenerator(seed: [22], domain: "elements")
        for round in 0..<400 {
            let count = Int(generator.next() % 300)
            var words = (0..<count).map { _ in generator.next() % FieldElement.modulus }
            if round % 2 == 1, count > 0 {
                for _ in 0..<(1 + Int(generator.next() % 3)) {
                    words[Int(generator.next() % UInt64(count))] = FieldElement.modulus + generator.next() % (UInt64.max - FieldElement.modulus)
                }
            }
            var bytes = [UInt8](repeating: 0, count: Int(generator.next() % 9))
            bytes += words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
            if round % 5 == 4 { bytes.removeLast(min(bytes.count, Int(generator.next() % 12))) }
            let skip = bytes.count >= 8 ? Int(generator.next() % 9) : 0
            let asked = count + (round % 7 == 6 ? 1 : 0)
            var bulk = ByteReader(bytes), single = ByteReader(bytes)
            bulk.offset = skip
            single.offset = skip
            let fromBulk = Result { () throws(FHEError) in try bulk.elements(asked) }
            let fromSingle = Result { () throws(FHEError) -> [FieldElement] in
                guard asked <= (bytes.count - skip) / 8 else { throw .truncated(expected: skip + asked * 8, available: bytes.count) }
                return try (0..<asked).map { _ throws(FHEError) in try single.element() }
            }
            switch (fromBulk, fromSingle) {
            case let (.success(a), .success(b)):
                #expect(a == b)
                #expect(bulk.offset == single.offset)
            case let (.failure(a), .failure(b)): #expect(a == b, "round \(round)")
            default: Issue.record("round \(round): \(fromBulk) against \(fromSingle)")
            }
        }
    }

    /// Random and mutated bytes into every deserializer: only FHEError may come out (a crash fails the run).
    @Test func fuzzDeserializers() {
        var generator = SeededGenerator(seed: [21], domain: "fuzz")
        var rng = generator
        let seeds: [[UInt8]] = [
            TestKeys.client.encrypt(3, using: &rng).serialized(parameters: TestKeys.parameters),
            TestKeys.client.serialized(),
            TestKeys.server.keySwitchingKey.serialized(),
            Array(TestKeys.server.bootstrappingKey!.serialized().prefix(200)),
        ]
        let parsers: [([UInt8]) throws -> Void] = [
            { _ = try LWECiphertext(serialized: $0) }, { _ = try ClientKey(serialized: $0) },
            { _ = try KeySwitchingKey(serialized: $0) }, { _ = try BootstrappingKey(serialized: $0) },
        ]
        var failures = 0
        for round in 0..<300 {
            var bytes: [UInt8]
            let base = seeds[round % seeds.count]
            switch round % 3 {
            case 0: bytes = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1: bytes = Array(base.prefix(Int(generator.next() % UInt64(base.count + 1))))
            default:
                bytes = base
                for _ in 0..<3 { bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next()) }
            }
            for parse in parsers {
                do { try parse(bytes) } catch is FHEError { } catch { failures += 1 }
            }
        }
        #expect(failures == 0)
    }
}
