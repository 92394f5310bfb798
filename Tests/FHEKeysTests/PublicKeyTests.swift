import Algebra
import Testing
@testable import FHEKeys

@Suite struct PublicKeyTests {
    static let publicKey: CompactPublicKey = {
        var generator = SeededGenerator(seed: [30], domain: "pk")
        return CompactPublicKey.generate(TestKeys.client.big, parameters: TestKeys.parameters, seed: Array(repeating: 9, count: 32), using: &generator)
    }()

    @Test func publicKeyRoundTripEveryType() throws {
        var generator = SeededGenerator(seed: [31], domain: "pk-enc")
        let ksk = TestKeys.server.keySwitchingKey
        for type in FheType.allCases {
            let low = generator.next(), high = generator.next()
            let c = Self.publicKey.encrypt((low, high), as: type, keySwitchingKey: ksk, using: &generator)
            let got = TestKeys.client.decryptWide(c)
            let bits = type.rawValue
            #expect(got.low == low & (bits >= 64 ? .max : (1 << UInt64(bits)) - 1))
            #expect(got.high == high & (bits >= 128 ? .max : (bits > 64 ? (1 << UInt64(bits - 64)) - 1 : 0)))
        }
        #expect(try CompactPublicKey(serialized: Self.publicKey.serialized()) == Self.publicKey)
    }

    @Test func publicKeyCiphertextBootstraps() {
        var generator = SeededGenerator(seed: [32], domain: "pk-pbs")
        let m = generator.next() % 16
        let c = Self.publicKey.encrypt(m, keySwitchingKey: TestKeys.server.keySwitchingKey, using: &generator)
        #expect(TestKeys.client.decrypt(TestKeys.server.apply(c) { ($0 + 1) % 16 }) == (m + 1) % 16)
    }
}
