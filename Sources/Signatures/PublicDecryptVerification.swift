/// Signed with the result of a public decryption.
public struct PublicDecryptVerification: EIP712Message, Hashable {
    /// `bytes32[]`: the ciphertext handles, 32 bytes each.
    public let ctHandles: [[UInt8]]
    /// abi.encode of one uint256 per plaintext (see `abiEncodeUInt256s`).
    public let decryptedResult: [UInt8]
    public let extraData: [UInt8]

    public init(ctHandles: [[UInt8]], decryptedResult: [UInt8], extraData: [UInt8] = []) throws(SignatureError) {
        self.ctHandles = try ctHandles.map { handle throws(SignatureError) in
            try EIP712.bytes32(handle, field: "ctHandles")
        }
        self.decryptedResult = decryptedResult
        self.extraData = extraData
    }

    public static let encodedType =
        "PublicDecryptVerification(bytes32[] ctHandles,bytes decryptedResult,bytes extraData)"

    public var encodedMembers: [UInt8] {
        EIP712.encode(words: ctHandles) + EIP712.encode(bytes: decryptedResult) + EIP712.encode(bytes: extraData)
    }
}
