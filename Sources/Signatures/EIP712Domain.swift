import Algebra

/// The EIP-712 domain a result is signed under; absent fields are left out of the `EIP712Domain` type as
/// eth-account and the EIP do (the type lists the present ones in the order name, version, chainId,
/// verifyingContract, salt).
public struct EIP712Domain: Sendable, Hashable {
    public let name: String?
    public let version: String?
    /// `uint256`, 32 big-endian bytes.
    public let chainId: [UInt8]?
    public let verifyingContract: EthereumAddress?
    /// `bytes32`.
    public let salt: [UInt8]?

    /// `chainId` is at most 32 big-endian bytes (left-padded); `salt` is exactly 32 bytes.
    public init(
        name: String? = nil, version: String? = nil, chainId: [UInt8]? = nil,
        verifyingContract: EthereumAddress? = nil, salt: [UInt8]? = nil
    ) throws(SignatureError) {
        self.name = name
        self.version = version
        self.chainId = try chainId.map { bytes throws(SignatureError) in try EIP712.uint256(bytes, field: "chainId") }
        self.verifyingContract = verifyingContract
        self.salt = try salt.map { bytes throws(SignatureError) in try EIP712.bytes32(bytes, field: "salt") }
    }

    /// The same with a chain id that fits 64 bits.
    public init(
        name: String? = nil, version: String? = nil, chainId: UInt64,
        verifyingContract: EthereumAddress? = nil, salt: [UInt8]? = nil
    ) throws(SignatureError) {
        try self.init(
            name: name, version: version, chainId: EIP712.encode(uint64: chainId),
            verifyingContract: verifyingContract, salt: salt)
    }

    /// encodeType of this domain, e.g. "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)".
    public var encodedType: String {
        var members = [String]()
        if name != nil { members.append("string name") }
        if version != nil { members.append("string version") }
        if chainId != nil { members.append("uint256 chainId") }
        if verifyingContract != nil { members.append("address verifyingContract") }
        if salt != nil { members.append("bytes32 salt") }
        return "EIP712Domain(" + members.joined(separator: ",") + ")"
    }

    /// The domain separator hashStruct(EIP712Domain).
    public var separator: [UInt8] {
        var encoded = EIP712.encode(string: encodedType)
        if let name { encoded += EIP712.encode(string: name) }
        if let version { encoded += EIP712.encode(string: version) }
        if let chainId { encoded += chainId }
        if let verifyingContract { encoded += EIP712.encode(address: verifyingContract) }
        if let salt { encoded += salt }
        return Algebra.Keccak256.hash(encoded)
    }
}
