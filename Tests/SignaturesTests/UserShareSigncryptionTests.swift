import Algebra
import Crypto
import Foundation
import Signatures
import Testing

/// A core's share sealed to a user opens only for that user, that request, that party and that ciphertext, and
/// only with the core's signature intact (DESIGN §3.6).
@Suite struct UserShareSigncryptionTests {
    struct Setup {
        let core = try! OperatorSigningKey.generate()
        let user = try! XWingMLKEM768X25519.PrivateKey.generate()
        let address = try! EthereumAddress(bytes: TestSupport.random(20))
        let requestID = TestSupport.random(32)
        let handle = TestSupport.random(32)
        var binding: UserDecryptionShare.Binding {
            UserDecryptionShare.Binding(
                requestID: requestID, userAddress: address, handle: handle, encryptionKey: Array(user.publicKey.rawRepresentation))
        }
        func share(party: Int = 3) -> UserDecryptionShare {
            UserDecryptionShare(partyID: party, degree: 1, shares: (0..<5).map { _ in UInt64.random(in: 0..<FieldElement.modulus) })
        }
    }

    @Test(arguments: 0..<20) func aSealedShareOpensForItsUser(_ run: Int) throws {
        let setup = Setup()
        let share = setup.share(party: 1 + run % 13)
        let sealed = try UserShareSigncryption.seal(share, binding: setup.binding, signer: setup.core)
        #expect(sealed.count > UserShareSigncryption.encapsulationCount)
        let opened = try UserShareSigncryption.open(
            sealed, partyID: share.partyID, binding: setup.binding, privateKey: setup.user, signer: setup.core.address)
        #expect(opened == share)
        // The user key is kept as its seed: the same key comes back from it.
        let again = try UserShareSigncryption.privateKey(seed: Array(setup.user.seedRepresentation))
        #expect(again.publicKey.rawRepresentation == setup.user.publicKey.rawRepresentation)
    }

    @Test func aShareDoesNotOpenOutsideItsBinding() throws {
        let setup = Setup()
        let share = setup.share()
        let sealed = try UserShareSigncryption.seal(share, binding: setup.binding, signer: setup.core)
        func opens(_ bytes: [UInt8], party: Int = 3, binding: UserDecryptionShare.Binding? = nil,
                   key: XWingMLKEM768X25519.PrivateKey? = nil, signer: EthereumAddress? = nil) -> UserDecryptionShareError? {
            do {
                _ = try UserShareSigncryption.open(
                    bytes, partyID: party, binding: binding ?? setup.binding, privateKey: key ?? setup.user,
                    signer: signer ?? setup.core.address)
                return nil
            } catch { return error }
        }
        #expect(opens(sealed) == nil)
        #expect(opens(sealed, party: 2) == .cannotOpen)
        var other = setup.binding
        other.requestID[0] ^= 1
        #expect(opens(sealed, binding: other) == .cannotOpen)
        other = setup.binding
        other.handle[31] ^= 0x80
        #expect(opens(sealed, binding: other) == .cannotOpen)
        other = setup.binding
        other.userAddress = try EthereumAddress(bytes: TestSupport.random(20))
        #expect(opens(sealed, binding: other) == .cannotOpen)
        #expect(opens(sealed, key: try XWingMLKEM768X25519.PrivateKey.generate()) == .cannotOpen)
        var flipped = sealed
        flipped[flipped.count - 1] ^= 1
        #expect(opens(flipped) == .cannotOpen)
        #expect(opens(Array(sealed.prefix(100))) == .cannotOpen)
        // Another core's address: the inner signature does not verify.
        #expect(opens(sealed, signer: try OperatorSigningKey.generate().address) == .badSignature)
    }

    @Test func theUsersKeyIsChecked() {
        #expect(throws: UserDecryptionShareError.self) { try UserShareSigncryption.publicKey(TestSupport.random(100)) }
        #expect(throws: UserDecryptionShareError.self) { try UserShareSigncryption.privateKey(seed: TestSupport.random(31)) }
        let setup = Setup()
        var binding = setup.binding
        binding.encryptionKey = TestSupport.random(32)
        #expect(throws: UserDecryptionShareError.self) { try UserShareSigncryption.seal(setup.share(), binding: binding, signer: setup.core) }
    }

    @Test func theSignedEncodingIsStrict() throws {
        let setup = Setup()
        let share = setup.share()
        let signed = try share.signed(by: setup.core, binding: setup.binding)
        #expect(signed.count == 13 + 8 * share.shares.count + 65)
        #expect(try UserDecryptionShare(signed: signed, binding: setup.binding, signer: setup.core.address) == share)
        #expect(throws: UserDecryptionShareError.self) {
            try UserDecryptionShare(signed: Array(signed.dropLast()), binding: setup.binding, signer: nil)
        }
        var tooLarge = signed
        for index in 13..<21 { tooLarge[index] = 0xff }  // first share = 2^64 − 1 ≥ p
        #expect(throws: UserDecryptionShareError.self) { try UserDecryptionShare(signed: tooLarge, binding: setup.binding, signer: nil) }
        var changed = signed
        changed[14] ^= 1
        #expect(throws: UserDecryptionShareError.badSignature) {
            try UserDecryptionShare(signed: changed, binding: setup.binding, signer: setup.core.address)
        }
    }
}
