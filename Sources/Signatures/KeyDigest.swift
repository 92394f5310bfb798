/// The digest of one generated key, listed in a `KeygenVerification`.
public struct KeyDigest: EIP712Struct, Hashable {
    /// Which key a digest is of (DESIGN §3.6); digests are listed in this order.
    public enum KeyType: UInt8, Sendable, CaseIterable {
        case serverKey = 0
        case publicKey = 1
        case compressedPublicKey = 2
        case compressedKeySet = 3
    }

    public let keyType: KeyType
    public let digest: [UInt8]

    public init(keyType: KeyType, digest: [UInt8]) {
        self.keyType = keyType
        self.digest = digest
    }

    public static let encodedType = "KeyDigest(uint8 keyType,bytes digest)"

    public var encodedMembers: [UInt8] { EIP712.encode(uint8: keyType.rawValue) + EIP712.encode(bytes: digest) }
}
