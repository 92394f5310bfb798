/// Signed with a core's (encrypted) share of a user decryption, bound to the user's public key.
public struct UserDecryptResponseVerification: EIP712Message, Hashable {
    /// The user's encryption public key.
    public let publicKey: [UInt8]
    /// `bytes32[]`: the ciphertext handles, 32 bytes each.
    public let ctHandles: [[UInt8]]
    public let userDecryptedShare: [UInt8]
    public let extraData: [UInt8]

    public init(publicKey: [UInt8], ctHandles: [[UInt8]], userDecryptedShare: [UInt8], extraData: [UInt8] = [])
        throws(SignatureError)
    {
        self.publicKey = publicKey
        self.ctHandles = try ctHandles.map { handle throws(SignatureError) in
            try EIP712.bytes32(handle, field: "ctHandles")
        }
        self.userDecryptedShare = userDecryptedShare
        self.extraData = extraData
    }

    public static let encodedType =
        "UserDecryptResponseVerification(bytes publicKey,bytes32[] ctHandles,bytes userDecryptedShare,bytes extraData)"

    public var encodedMembers: [UInt8] {
        EIP712.encode(bytes: publicKey) + EIP712.encode(words: ctHandles) + EIP712.encode(bytes: userDecryptedShare)
            + EIP712.encode(bytes: extraData)
    }
}
