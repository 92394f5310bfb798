import Algebra
import Signatures
import Testing

/// Type strings, field validation and sensitivity of the five signed messages (their hashes are checked
/// against eth-account in EIP712OracleTests).
@Suite struct VerificationMessagesTests {
    @Test func typeStringsAreZamas() {
        #expect(PrepKeygenVerification.encodedType == "PrepKeygenVerification(uint256 prepKeygenId,bytes extraData)")
        #expect(KeygenVerification.encodedType
            == "KeygenVerification(uint256 prepKeygenId,uint256 keyId,KeyDigest[] keyDigests,bytes extraData)"
            + "KeyDigest(uint8 keyType,bytes digest)")
        #expect(PublicDecryptVerification.encodedType
            == "PublicDecryptVerification(bytes32[] ctHandles,bytes decryptedResult,bytes extraData)")
        #expect(UserDecryptResponseVerification.encodedType
            == "UserDecryptResponseVerification(bytes publicKey,bytes32[] ctHandles,bytes userDecryptedShare,bytes extraData)")
        #expect(CrsgenVerification.encodedType
            == "CrsgenVerification(uint256 crsId,uint256 maxBitLength,bytes crsDigest,bytes extraData)")
        #expect(KeygenVerification.typeHash == Keccak256.hash(Array(KeygenVerification.encodedType.utf8)))
    }

    @Test func idsAreUInt256AndHandlesBytes32() throws {
        let id = TestSupport.random(32)
        #expect(try PrepKeygenVerification(prepKeygenId: id).prepKeygenId == id)
        #expect(try CrsgenVerification(crsId: id, maxBitLength: 2048, crsDigest: []).maxBitLength
            == EIP712.encode(uint64: 2048))
        #expect(throws: SignatureError.invalidFieldLength(field: "keyId", expected: 32, actual: 33)) {
            try KeygenVerification(prepKeygenId: id, keyId: [9] + id, keyDigests: [])
        }
        #expect(throws: SignatureError.invalidFieldLength(field: "ctHandles", expected: 32, actual: 31)) {
            try PublicDecryptVerification(ctHandles: [id, TestSupport.random(31)], decryptedResult: [])
        }
        #expect(throws: SignatureError.invalidFieldLength(field: "ctHandles", expected: 32, actual: 33)) {
            try UserDecryptResponseVerification(
                publicKey: [], ctHandles: [TestSupport.random(33)], userDecryptedShare: [])
        }
    }

    @Test func keygenStructHashCoversEveryDigestInOrder() throws {
        let id = TestSupport.random(32), keyId = TestSupport.random(32)
        let server = KeyDigest(keyType: .serverKey, digest: TestSupport.random(32))
        let publicKey = KeyDigest(keyType: .publicKey, digest: TestSupport.random(32))
        let message = try KeygenVerification(prepKeygenId: id, keyId: keyId, keyDigests: [server, publicKey])
        let expected = Keccak256.hash(
            KeygenVerification.typeHash + id + keyId + Keccak256.hash(server.structHash + publicKey.structHash)
                + Keccak256.hash([]))
        #expect(message.structHash == expected)
        let swapped = try KeygenVerification(prepKeygenId: id, keyId: keyId, keyDigests: [publicKey, server])
        #expect(swapped.structHash != message.structHash)
        #expect(server.structHash == Keccak256.hash(
            KeyDigest.typeHash + EIP712.encode(uint8: 0) + Keccak256.hash(server.digest)))
    }

    @Test func everyFieldChangesTheDigest() throws {
        let domain = try EIP712Domain(name: "KMS", version: "1", chainId: 1)
        let handles = [TestSupport.random(32), TestSupport.random(32)]
        let result = try abiEncodeUInt256s([[1], [2]])
        let base = try PublicDecryptVerification(ctHandles: handles, decryptedResult: result, extraData: [1])
        let variants = [
            try PublicDecryptVerification(ctHandles: [handles[1], handles[0]], decryptedResult: result, extraData: [1]),
            try PublicDecryptVerification(ctHandles: handles, decryptedResult: try abiEncodeUInt256s([[1], [3]]),
                                          extraData: [1]),
            try PublicDecryptVerification(ctHandles: handles, decryptedResult: result, extraData: []),
        ]
        for variant in variants { #expect(variant.digest(domain: domain) != base.digest(domain: domain)) }
        let otherDomain = try EIP712Domain(name: "KMS", version: "1", chainId: 2)
        #expect(base.digest(domain: otherDomain) != base.digest(domain: domain))
    }

    @Test func signedMessageRecoversToTheSigner() throws {
        let key = try OperatorSigningKey.generate()
        let domain = try EIP712Domain(name: "KMS", version: "1", chainId: 1)
        let message = try UserDecryptResponseVerification(
            publicKey: TestSupport.random(1216), ctHandles: [TestSupport.random(32)],
            userDecryptedShare: TestSupport.random(100))
        let signature = try key.sign(message, domain: domain)
        #expect(signature.verify(digest: message.digest(domain: domain), address: key.address))
    }
}
