/// Signed when a core finishes a key generation: the digests of the keys it produced.
public struct KeygenVerification: EIP712Message, Hashable {
    /// `uint256`, 32 big-endian bytes.
    public let prepKeygenId: [UInt8]
    /// `uint256`, 32 big-endian bytes.
    public let keyId: [UInt8]
    public let keyDigests: [KeyDigest]
    public let extraData: [UInt8]

    public init(prepKeygenId: [UInt8], keyId: [UInt8], keyDigests: [KeyDigest], extraData: [UInt8] = [])
        throws(SignatureError)
    {
        self.prepKeygenId = try EIP712.uint256(prepKeygenId, field: "prepKeygenId")
        self.keyId = try EIP712.uint256(keyId, field: "keyId")
        self.keyDigests = keyDigests
        self.extraData = extraData
    }

    /// The referenced `KeyDigest` type follows the primary type.
    public static let encodedType =
        "KeygenVerification(uint256 prepKeygenId,uint256 keyId,KeyDigest[] keyDigests,bytes extraData)"
        + KeyDigest.encodedType

    public var encodedMembers: [UInt8] {
        prepKeygenId + keyId + EIP712.encode(words: keyDigests.map(\.structHash)) + EIP712.encode(bytes: extraData)
    }
}
