import Algebra
import Testing
@testable import FHEKeys

/// The smaller run at production parameters: one key generation (shared by the tests below; it dominates the
/// time), then a KS-PBS with a random table, FheUint4 operations against plain arithmetic on random inputs, and
/// public-key encryption. The blind rotation runs in CGoldilocks' -O3 kernels, so this is affordable in debug.
@Suite struct ProductionParameterTests {
    struct Keys: Sendable {
        let client: ClientKey
        let server: ServerKey
        let publicKey: CompactPublicKey
    }

    static let keys: Keys = {
        var generator = SeededGenerator(seed: [50], domain: "prod")
        let params = FHEParameters.production
        let client = ClientKey.insecureDeterministicGenerate(parameters: params, using: &generator)
        let server = client.serverKey(seed: Array(repeating: 1, count: 32), using: &generator)
        let publicKey = CompactPublicKey.generate(client.big, parameters: params, seed: Array(repeating: 2, count: 32),
                                                  using: &generator)
        return Keys(client: client, server: server, publicKey: publicKey)
    }()

    @Test func bootstrapWithRandomTable() {
        var generator = SeededGenerator(seed: [51], domain: "prod-pbs")
        let (client, server) = (Self.keys.client, Self.keys.server)
        let table = (0..<16).map { _ in generator.next() % 16 }
        for _ in 0..<2 {
            let m = generator.next() % 16
            let c = client.encrypt(m, using: &generator)
            #expect(client.decrypt(c) == m)
            #expect(client.decrypt(server.apply(table, to: c)) == table[Int(m)], "m \(m)")
        }
    }

    @Test func uint4OperationsMatchPlainArithmetic() {
        var generator = SeededGenerator(seed: [52], domain: "prod-radix")
        let (client, server) = (Self.keys.client, Self.keys.server)
        let a = generator.next() % 16, b = generator.next() % 16, s = generator.next() % 16
        let x = client.encrypt(a, as: .uint4, using: &generator)
        let y = client.encrypt(b, as: .uint4, using: &generator)
        #expect(client.decrypt(server.add(x, y)) == (a + b) % 16, "\(a) + \(b)")
        #expect(client.decrypt(server.sub(x, y)) == (a &- b) % 16, "\(a) - \(b)")
        #expect(client.decrypt(server.xor(x, y)) == a ^ b, "\(a) ^ \(b)")
        #expect(client.decrypt(server.lt(x, y)) == (a < b ? 1 : 0), "\(a) < \(b)")
        #expect(client.decrypt(server.eq(x, x)) == 1)
        #expect(client.decrypt(server.scalarAdd(x, s)) == (a + s) % 16, "\(a) + \(s)")
    }

    @Test func publicKeyEncryptionDecryptsAndBootstraps() {
        var generator = SeededGenerator(seed: [53], domain: "prod-pk")
        let keys = Self.keys
        let value = generator.next() % 256
        let x = keys.publicKey.encrypt((low: value, high: 0), as: .uint8,
                                       keySwitchingKey: keys.server.keySwitchingKey, using: &generator)
        #expect(keys.client.decrypt(x) == value)
        #expect(keys.client.decrypt(keys.server.scalarAdd(x, 1)) == (value + 1) % 256)
    }
}
