import Algebra
import Signatures
import Testing

/// The EIP-712 specification's example structs, written with this module's encoders.
private struct Person: EIP712Struct {
    let name: String
    let wallet: EthereumAddress
    static let encodedType = "Person(string name,address wallet)"
    var encodedMembers: [UInt8] { EIP712.encode(string: name) + EIP712.encode(address: wallet) }
}

private struct Mail: EIP712Message {
    let from: Person
    let to: Person
    let contents: String
    static let encodedType = "Mail(Person from,Person to,string contents)" + Person.encodedType
    var encodedMembers: [UInt8] { from.structHash + to.structHash + EIP712.encode(string: contents) }
}

@Suite struct EIP712Tests {
    @Test func keccak256KnownAnswers() {
        #expect(TestSupport.hex(Keccak256.hash([]))
            == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        #expect(TestSupport.hex(Keccak256.hash(Array("abc".utf8)))
            == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    }

    @Test func mailExampleOfTheSpecification() throws {
        let mail = Mail(
            from: Person(name: "Cow", wallet: try EthereumAddress(hex: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826")),
            to: Person(name: "Bob", wallet: try EthereumAddress(hex: "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB")),
            contents: "Hello, Bob!")
        #expect(TestSupport.hex(Mail.typeHash) == "a0cedeb2dc280ba39b857546d74f5549c3a1d7bdc2dd96bf881f76108e23dac2")
        #expect(TestSupport.hex(mail.structHash) == "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e")
        let domain = try EIP712DomainTests.mailDomain()
        #expect(TestSupport.hex(mail.digest(domain: domain))
            == "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2")
        // The specification's signature of this digest by keccak256("cow") recovers to Cow's address.
        let cow = try OperatorSigningKey(secretBytes: .init(Keccak256.hash(Array("cow".utf8))))
        #expect(cow.address == mail.from.wallet)
        let signature = try cow.sign(mail, domain: domain)
        #expect(try signature.recoverAddress(digest: mail.digest(domain: domain)) == mail.from.wallet)
        #expect(TestSupport.hex(signature.bytes) == "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
            + "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562" + "1c")
    }

    @Test func wordEncodings() throws {
        #expect(EIP712.encode(uint8: 3) == [UInt8](repeating: 0, count: 31) + [3])
        #expect(EIP712.encode(uint64: 0x0102_0304_0506_0708) == [UInt8](repeating: 0, count: 24) + [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try EIP712.uint256([]) == [UInt8](repeating: 0, count: 32))
        #expect(try EIP712.uint256([0, 0, 7]) == [UInt8](repeating: 0, count: 31) + [7])
        #expect(try EIP712.uint256([0] + [UInt8](repeating: 0xFF, count: 32)) == [UInt8](repeating: 0xFF, count: 32))
        #expect(throws: SignatureError.invalidFieldLength(field: "uint256", expected: 32, actual: 33)) {
            try EIP712.uint256([1] + [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: SignatureError.invalidFieldLength(field: "bytes32", expected: 32, actual: 0)) {
            try EIP712.bytes32([])
        }
        #expect(EIP712.encode(words: []) == Keccak256.hash([]))
        let address = try EthereumAddress(bytes: TestSupport.random(20))
        #expect(EIP712.encode(address: address) == [UInt8](repeating: 0, count: 12) + address.bytes)
    }
}
