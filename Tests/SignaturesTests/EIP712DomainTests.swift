import Signatures
import Testing

@Suite struct EIP712DomainTests {
    /// The domain of the EIP-712 specification's "Ether Mail" example.
    static func mailDomain() throws -> EIP712Domain {
        try EIP712Domain(
            name: "Ether Mail", version: "1", chainId: 1,
            verifyingContract: EthereumAddress(hex: "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"))
    }

    @Test func mailExampleSeparator() throws {
        let domain = try Self.mailDomain()
        #expect(domain.encodedType
            == "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
        #expect(TestSupport.hex(domain.separator)
            == "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f")
    }

    @Test func typeListsOnlyPresentFieldsInOrder() throws {
        let contract = try EthereumAddress(bytes: TestSupport.random(20))
        #expect(try EIP712Domain(name: "KMS").encodedType == "EIP712Domain(string name)")
        #expect(try EIP712Domain(chainId: 5, salt: TestSupport.random(32)).encodedType
            == "EIP712Domain(uint256 chainId,bytes32 salt)")
        #expect(try EIP712Domain(version: "1", verifyingContract: contract).encodedType
            == "EIP712Domain(string version,address verifyingContract)")
        #expect(try EIP712Domain(
            name: "a", version: "b", chainId: 1, verifyingContract: contract, salt: TestSupport.random(32)
        ).encodedType == "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)")
        #expect(try EIP712Domain().encodedType == "EIP712Domain()")
    }

    @Test func chainIdBytesAreLeftPadded() throws {
        let fromInteger = try EIP712Domain(name: "KMS", chainId: 0x1234)
        let fromBytes = try EIP712Domain(name: "KMS", chainId: [0x12, 0x34])
        let fromWord = try EIP712Domain(name: "KMS", chainId: [UInt8](repeating: 0, count: 30) + [0x12, 0x34])
        #expect(fromInteger.chainId == fromWord.chainId)
        #expect(fromInteger.separator == fromBytes.separator)
        #expect(fromInteger.separator == fromWord.separator)
        #expect(fromInteger.separator != (try EIP712Domain(name: "KMS", chainId: 0x1235)).separator)
    }

    @Test func oversizedChainIdAndWrongSaltAreRefused() {
        #expect(throws: SignatureError.invalidFieldLength(field: "chainId", expected: 32, actual: 33)) {
            try EIP712Domain(chainId: [1] + [UInt8](repeating: 0, count: 32))
        }
        #expect(throws: SignatureError.invalidFieldLength(field: "salt", expected: 32, actual: 31)) {
            try EIP712Domain(name: "KMS", salt: TestSupport.random(31))
        }
    }
}
