import Foundation
import Testing
@testable import Vault

/// Opening KMS-style recipient envelopes (`EnclaveRecipientKey.open`) made by `openssl cms` — code we did not write.
@Suite struct CMSEnvelopedDataTests {
    static let key = try! EnclaveRecipientKey.generate()

    static func reason(_ body: () throws -> Void) -> String? {
        do { try body() } catch let error as VaultError {
            guard case .recipientEnvelopeRejected(let reason) = error else { Issue.record("unexpected \(error)"); return nil }
            return reason
        } catch { Issue.record("untyped \(error)") }
        return nil
    }

    @Test func opensOpenSSLEnvelopesInBERAndDER() throws {
        for (count, definite) in [(32, false), (32, true), (1, false), (33, true), (200, false)] {
            let plaintext = TestSupport.randomBytes(count)
            let envelope = try KMSRecipientSupport.envelope(plaintext, to: Self.key.publicKeyDER,
                                                            extraArguments: definite ? ["--definite"] : [])
            #expect(envelope.count > 256 + count)
            // Streamed output is indefinite-length BER like KMS's (0x30 0x80); --definite gives definite lengths.
            #expect(envelope[1] == (definite ? 0x82 : 0x80))
            let opened = try Self.key.open(envelope)
            #expect(opened.withUnsafeBytes { Array($0) } == plaintext)
        }
    }

    @Test func otherAlgorithmsAreRefusedByName() throws {
        let plaintext = TestSupport.randomBytes(32)
        let cases: [([String], String)] = [
            (["--content-cipher", "aes-128-cbc"], "AES-256-CBC"),
            (["--oaep-md", "sha1"], "SHA-256"),
            (["--oaep-md", "pkcs1"], "RSAES-OAEP"),
        ]
        for (arguments, expected) in cases {
            let envelope = try KMSRecipientSupport.envelope(plaintext, to: Self.key.publicKeyDER, extraArguments: arguments)
            let reason = Self.reason { _ = try Self.key.open(envelope) }
            #expect(reason?.contains(expected) == true, "\(arguments): \(reason ?? "accepted")")
        }
    }

    @Test func anEnvelopeForAnotherKeyIsRefused() throws {
        let other = try EnclaveRecipientKey.generate()
        let envelope = try KMSRecipientSupport.envelope(TestSupport.randomBytes(32), to: other.publicKeyDER)
        #expect(Self.reason { _ = try Self.key.open(envelope) }?.contains("another key") == true)
    }

    @Test func truncatedAndMutatedEnvelopesAreTypedErrors() throws {
        let plaintext = TestSupport.randomBytes(32)
        let envelope = try KMSRecipientSupport.envelope(plaintext, to: Self.key.publicKeyDER)
        for length in 0..<envelope.count {
            #expect(Self.reason { _ = try Self.key.open(Array(envelope.prefix(length))) } != nil)
        }
        // Any mutation is refused or opens (metadata such as the recipient identifier is not authenticated);
        // never an untyped error or a crash.
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            var mutated = envelope
            switch round % 3 {
            case 0: mutated[Int.random(in: 0..<mutated.count, using: &generator)] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            case 1: mutated.insert(UInt8.random(in: 0...255, using: &generator), at: Int.random(in: 0...mutated.count, using: &generator))
            default: mutated.remove(at: Int.random(in: 0..<mutated.count, using: &generator))
            }
            switch Self.open(mutated) {
            case .success, .failure(.recipientEnvelopeRejected): break
            case .failure(let error): Issue.record("unexpected \(error)")
            }
        }
        // A flipped bit in the cryptographic fields never yields the plaintext: in the wrapped content key OAEP
        // fails; in the IV or the last block the content changes or its padding fails (CBC has no integrity; a
        // changed data key is then refused by the vault's AES-GCM objects).
        let parsed = try CMSEnvelopedData.parse(envelope)
        let fields = [parsed.recipients[0].encryptedKey, parsed.initializationVector, Array(parsed.encryptedContent.suffix(16))]
        for field in fields {
            let start = try #require(Self.offset(of: field, in: envelope))
            for _ in 0..<12 {
                var flipped = envelope
                flipped[start + Int.random(in: 0..<field.count, using: &generator)] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
                if case .success(let opened) = Self.open(flipped) { #expect(opened != plaintext) }
            }
        }
        var flipped = envelope
        flipped[try #require(Self.offset(of: parsed.recipients[0].encryptedKey, in: envelope))] ^= 0x10
        #expect(Self.reason { _ = try Self.key.open(flipped) }?.contains("no recipient entry opens") == true)
    }

    static func open(_ envelope: [UInt8]) -> Result<[UInt8], VaultError> {
        Result { () throws(VaultError) in try key.open(envelope).withUnsafeBytes { Array($0) } }
    }

    static func offset(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
