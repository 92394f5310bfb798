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
