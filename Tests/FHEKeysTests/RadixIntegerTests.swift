import Algebra
import Testing
@testable import FHEKeys

@Suite struct RadixIntegerTests {
    let client = TestKeys.client
    let server = TestKeys.server

    @Test func roundTripEveryType() {
        var generator = SeededGenerator(seed: [10], domain: "radix")
        for type in FheType.allCases {
            for _ in 0..<5 {
                let low = generator.next(), high = generator.next()
                let c = client.encrypt((low, high), as: type, using: &generator)
                let got = client.decryptWide(c)
                let bits = type.rawValue
                let maskLow: UInt64 = bits >= 64 ? .max : (1 << UInt64(bits)) - 1
                let maskHigh: UInt64 = bits >= 128 ? .max : (bits > 64 ? (1 << UInt64(bits - 64)) - 1 : 0)
                #expect(got.low == low & maskLow)
                #expect(got.high == high & maskHigh)
            }
        }
    }

    @Test func operationsMatchPlainArithmeticUint4() {
        var generator = SeededGenerator(seed: [11], domain: "radix-ops")
        for _ in 0..<3 {
            let a = generator.next() % 16, b = generator.next() % 16, s = generator.next() % 16
            let x = client.encrypt(a, as: .uint4, using: &generator)
            let y = client.encrypt(b, as: .uint4, using: &generator)
            #expect(client.decrypt(server.add(x, y)) == (a + b) % 16)
            #expect(client.decrypt(server.sub(x, y)) == (a &- b) % 16)
            #expect(client.decrypt(server.and(x, y)) == a & b)
            #expect(client.decrypt(server.or(x, y)) == a | b)
            #expect(client.decrypt(server.xor(x, y)) == a ^ b)
            #expect(client.decrypt(server.not(x)) == ~a & 15)
            #expect(client.decrypt(server.eq(x, y)) == (a == b ? 1 : 0))
            #expect(client.decrypt(server.eq(x, x)) == 1)
            #expect(client.decrypt(server.lt(x, y)) == (a < b ? 1 : 0))
            #expect(client.decrypt(server.gt(x, y)) == (a > b ? 1 : 0))
            #expect(client.decrypt(server.scalarAdd(x, s)) == (a + s) % 16)
            #expect(client.decrypt(server.scalarMul(x, s % 4)) == (a * (s % 4)) % 16)
        }
    }

    @Test func addAndCompareUint8() {
        var generator = SeededGenerator(seed: [12], domain: "radix-8")
        let a = generator.next() % 256, b = generator.next() % 256
        let x = client.encrypt(a, as: .uint8, using: &generator)
        let y = client.encrypt(b, as: .uint8, using: &generator)
        #expect(client.decrypt(server.add(x, y)) == (a + b) % 256)
        #expect(client.decrypt(server.lt(x, y)) == (a < b ? 1 : 0))
    }

    @Test func fheBoolOperations() {
        var generator = SeededGenerator(seed: [13], domain: "bool")
        for a in 0..<UInt64(2) {
            for b in 0..<UInt64(2) {
                let x = client.encrypt(a, as: .bool, using: &generator)
                let y = client.encrypt(b, as: .bool, using: &generator)
                #expect(client.decrypt(server.and(x, y)) == a & b)
                #expect(client.decrypt(server.xor(x, y)) == a ^ b)
                #expect(client.decrypt(server.not(x)) == 1 - a)
            }
        }
    }
}
