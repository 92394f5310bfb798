/// Signed when a core finishes generating a CRS: its digest and the bit length it supports.
public struct CrsgenVerification: EIP712Message, Hashable {
    /// `uint256`, 32 big-endian bytes.
    public let crsId: [UInt8]
    /// `uint256`, 32 big-endian bytes.
    public let maxBitLength: [UInt8]
    public let crsDigest: [UInt8]
    public let extraData: [UInt8]

    public init(crsId: [UInt8], maxBitLength: [UInt8], crsDigest: [UInt8], extraData: [UInt8] = [])
        throws(SignatureError)
    {
        self.crsId = try EIP712.uint256(crsId, field: "crsId")
        self.maxBitLength = try EIP712.uint256(maxBitLength, field: "maxBitLength")
        self.crsDigest = crsDigest
        self.extraData = extraData
    }

    /// The same with a bit length that fits 64 bits.
    public init(crsId: [UInt8], maxBitLength: UInt64, crsDigest: [UInt8], extraData: [UInt8] = [])
        throws(SignatureError)
    {
        try self.init(crsId: crsId, maxBitLength: EIP712.encode(uint64: maxBitLength), crsDigest: crsDigest,
                      extraData: extraData)
    }

    public static let encodedType =
        "CrsgenVerification(uint256 crsId,uint256 maxBitLength,bytes crsDigest,bytes extraData)"

    public var encodedMembers: [UInt8] {
        crsId + maxBitLength + EIP712.encode(bytes: crsDigest) + EIP712.encode(bytes: extraData)
    }
}
