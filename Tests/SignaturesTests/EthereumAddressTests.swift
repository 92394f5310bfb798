import Signatures
import Testing

@Suite struct EthereumAddressTests {
    /// The test vectors of EIP-55: all caps, all lower, and mixed case.
    static let eip55Vectors = [
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]

    @Test func eip55VectorsRoundTrip() throws {
        for vector in Self.eip55Vectors {
            let address = try EthereumAddress(hex: vector)
            #expect(address.checksummed == vector)
            #expect(address.description == vector)
            #expect(address.bytes == TestSupport.bytes(vector))
        }
    }

    @Test func singleCaseFormsAreAcceptedWithoutChecksum() throws {
        for vector in Self.eip55Vectors {
            let digits = vector.dropFirst(2)
            #expect(try EthereumAddress(hex: "0x" + digits.lowercased()).checksummed == vector)
            #expect(try EthereumAddress(hex: "0x" + digits.uppercased()).checksummed == vector)
        }
    }

    @Test func wrongChecksumIsRefused() {
        // Flip the case of one letter in each mixed-case vector.
        for vector in Self.eip55Vectors[4...] {
            var characters = Array(vector)
            guard let index = characters.indices.dropFirst(2).first(where: { characters[$0].isLetter }) else { continue }
            characters[index] = Character(characters[index].isUppercase
                ? characters[index].lowercased() : characters[index].uppercased())
            let tampered = String(characters)
            #expect(throws: SignatureError.checksumMismatch(tampered)) { try EthereumAddress(hex: tampered) }
        }
    }

    @Test func malformedTextIsRefused() {
        let valid = "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        let short = String(valid.dropLast()), shorter = String(valid.dropLast(2))
        let malformed: [String] = [
            "", "0x", valid, "0x" + short, "0x" + valid + "00", "0x" + short + "g", "1x" + valid, " 0x" + short,
            "0x" + shorter + "é",
        ]
        for text in malformed {
            #expect(throws: SignatureError.invalidAddress(text)) { try EthereumAddress(hex: text) }
        }
    }

    @Test func rawBytesAndPublicKeysAreLengthChecked() {
        #expect(throws: SignatureError.self) { try EthereumAddress(bytes: TestSupport.random(19)) }
        #expect(throws: SignatureError.invalidPublicKey) { try EthereumAddress(publicKey: TestSupport.random(64)) }
        #expect(throws: SignatureError.invalidPublicKey) {
            try EthereumAddress(publicKey: [0x02] + TestSupport.random(64))
        }
    }

    @Test func randomAddressesRoundTripThroughTheirChecksum() throws {
        for _ in 0..<200 {
            let address = try EthereumAddress(bytes: TestSupport.random(20))
            #expect(try EthereumAddress(hex: address.checksummed) == address)
        }
    }
}
