import SecureMemory
import Signatures
import Testing

@Suite struct OperatorSigningKeyTests {
    static let knownSecret = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"

    @Test func knownKeyHasKnownAddress() throws {
        let key = try TestSupport.key(Self.knownSecret)
        #expect(key.address.checksummed == "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23")
        #expect(key.publicKey.count == 65)
        #expect(key.publicKey[0] == 0x04)
        #expect(try EthereumAddress(publicKey: key.publicKey) == key.address)
    }

    @Test func secretKeyBytesReloadToTheSameKey() throws {
        let key = try OperatorSigningKey.generate()
        let stored = key.secretKeyBytes
        #expect(stored.count == 32)
        let reloaded = try OperatorSigningKey(secretBytes: SecretBytes(count: 32) { buffer in
            stored.withUnsafeBytes { buffer.copyMemory(from: $0) }
        })
        #expect(reloaded.address == key.address)
        #expect(reloaded.publicKey == key.publicKey)
    }

    @Test func generatedKeysDiffer() throws {
        let addresses = Set(try (0..<20).map { _ in try OperatorSigningKey.generate().address })
        #expect(addresses.count == 20)
    }

    @Test func invalidSecretsAreRefused() {
        let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
        for secret in [String(repeating: "00", count: 32), order, "ff" + String(repeating: "ff", count: 31),
                       String(repeating: "11", count: 31), String(repeating: "11", count: 33)] {
            #expect(throws: SignatureError.invalidSecretKey) { try TestSupport.key(secret) }
        }
        // n - 1 is the largest valid key.
        #expect(throws: Never.self) {
            try TestSupport.key("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")
        }
    }

    @Test func printingShowsOnlyTheAddress() throws {
        let key = try TestSupport.key(Self.knownSecret)
        let expected = "OperatorSigningKey(0x2c7536E3605D9C16a7a3D7b1898e529396a65c23)"
        #expect(String(describing: key) == expected)
        #expect(String(reflecting: key) == expected)
        var dumped = ""
        dump(key, to: &dumped)
        for text in [dumped, "\(key)", String(reflecting: key)] {
            #expect(!text.lowercased().contains("4c0883a6"))
        }
        #expect(dumped.contains("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"))
    }

    @Test func signRefusesDigestsOfOtherLengths() throws {
        let key = try OperatorSigningKey.generate()
        #expect(throws: SignatureError.invalidDigestLength(31)) { try key.sign(digest: TestSupport.random(31)) }
        #expect(throws: SignatureError.invalidDigestLength(0)) { try key.sign(digest: []) }
    }
}
