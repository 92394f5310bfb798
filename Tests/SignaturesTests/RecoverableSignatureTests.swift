import Signatures
import Testing

@Suite struct RecoverableSignatureTests {
    static let order = TestSupport.bytes("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")

    @Test func knownKeySignatureMatchesRFC6979() throws {
        // eth-account (RFC 6979 nonces, low s) signs this digest with the known key to exactly these bytes;
        // the digest is PrepKeygenVerification{1, ""} under the EIP-712 "Ether Mail" domain.
        let key = try TestSupport.key(OperatorSigningKeyTests.knownSecret)
        let digest = TestSupport.bytes("75c403854c89a5b92a75e13841572ce4dc67b53aa883d43a0dd4bdb7868ce41e")
        let signature = try key.sign(digest: digest)
        #expect(TestSupport.hex(signature.bytes) == "dab2a371ed088a748d2d58a55d57c8ba7ff1e1561b118bbc6b85bc4958c237d3"
            + "0b89b1b66d76f8850009380dee7ea840f461c0321cd9642103585941c0ee8723" + "1b")
        #expect(signature.v == 27)
        #expect(signature.r.count == 32 && signature.s.count == 32)
    }

    @Test(arguments: 0..<8) func signThenRecoverGivesTheAddress(batch: Int) throws {
        for _ in 0..<32 {
            let key = try OperatorSigningKey.generate()
            let digest = TestSupport.random(32)
            let signature = try key.sign(digest: digest)
            #expect(signature.v == 27 || signature.v == 28)
            #expect(try signature.recoverAddress(digest: digest) == key.address)
            #expect(try signature.recoverPublicKey(digest: digest) == key.publicKey)
            #expect(signature.verify(digest: digest, address: key.address))
            #expect(signature.verify(digest: digest, publicKey: key.publicKey))
            let stranger = try OperatorSigningKey.generate().address
            #expect(!signature.verify(digest: digest, address: stranger))
            #expect(try RecoverableSignature(bytes: signature.bytes) == signature)
        }
    }

    @Test(arguments: 0..<8) func aFlippedByteFailsVerification(batch: Int) throws {
        for _ in 0..<32 {
            let key = try OperatorSigningKey.generate()
            let digest = TestSupport.random(32)
            let signature = try key.sign(digest: digest)
            let mask = UInt8.random(in: 1...255)

            var tamperedDigest = digest
            tamperedDigest[Int.random(in: 0..<32)] ^= mask
            #expect(!signature.verify(digest: tamperedDigest, address: key.address))
            #expect(!signature.verify(digest: tamperedDigest, publicKey: key.publicKey))

            var tamperedBytes = signature.bytes
            let index = Int.random(in: 0..<65)
            tamperedBytes[index] ^= mask
            if let tampered = try? RecoverableSignature(bytes: tamperedBytes) {
                #expect(!tampered.verify(digest: digest, address: key.address))
                if index < 64 { #expect(!tampered.verify(digest: digest, publicKey: key.publicKey)) }
            } else {
                #expect(index == 64, "only a bad v is refused at parsing")
            }
        }
    }

    @Test func highSIsRefused() throws {
        // (r, n - s, v ^ 1) is the other valid ECDSA signature of the same digest; Ethereum (EIP-2) and
        // OpenZeppelin's ECDSA refuse it, and so does recovery here.
        let key = try OperatorSigningKey.generate()
        let digest = TestSupport.random(32)
        let signature = try key.sign(digest: digest)
        let highS = subtract(Self.order, signature.s)
        let malleated = try RecoverableSignature(bytes: signature.r + highS + [signature.v == 27 ? 28 : 27])
        #expect(throws: SignatureError.invalidSignature) { try malleated.recoverAddress(digest: digest) }
        #expect(!malleated.verify(digest: digest, address: key.address))
        #expect(!malleated.verify(digest: digest, publicKey: key.publicKey))
    }

    @Test func malformedSignaturesAreRefused() throws {
        let good = try OperatorSigningKey.generate().sign(digest: TestSupport.random(32))
        for v: UInt8 in [0, 1, 26, 29, 255] {
            #expect(throws: SignatureError.invalidSignature) { try RecoverableSignature(bytes: good.r + good.s + [v]) }
        }
        #expect(throws: SignatureError.invalidSignature) { try RecoverableSignature(bytes: Array(good.bytes.prefix(64))) }
        let zero = try RecoverableSignature(bytes: [UInt8](repeating: 0, count: 64) + [27])
        #expect(throws: SignatureError.invalidSignature) { try zero.recoverAddress(digest: TestSupport.random(32)) }
        let overflow = try RecoverableSignature(bytes: Self.order + good.s + [27])
        #expect(throws: SignatureError.invalidSignature) { try overflow.recoverAddress(digest: TestSupport.random(32)) }
        #expect(throws: SignatureError.invalidDigestLength(33)) { try good.recoverAddress(digest: TestSupport.random(33)) }
    }

    /// a - b for 32-byte big-endian numbers with a ≥ b.
    private func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: 32)
        var borrow = 0
        for index in (0..<32).reversed() {
            var difference = Int(a[index]) - Int(b[index]) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 256 }
            result[index] = UInt8(difference)
        }
        return result
    }
}
