/// Signed when a core finishes the preprocessing for a key generation.
public struct PrepKeygenVerification: EIP712Message, Hashable {
    /// `uint256`, 32 big-endian bytes (the request id as is).
    public let prepKeygenId: [UInt8]
    public let extraData: [UInt8]

    public init(prepKeygenId: [UInt8], extraData: [UInt8] = []) throws(SignatureError) {
        self.prepKeygenId = try EIP712.uint256(prepKeygenId, field: "prepKeygenId")
        self.extraData = extraData
    }

    public static let encodedType = "PrepKeygenVerification(uint256 prepKeygenId,bytes extraData)"

    public var encodedMembers: [UInt8] { prepKeygenId + EIP712.encode(bytes: extraData) }
}
