import Algebra

/// One core's part of one user-decrypted ciphertext (DESIGN §3.5–§3.6, docs/DECRYPTION.md "User decryption"): its
/// re-randomized Shamir shares (degree `degree`, evaluated at x = `partyID`) of every block's message, signed by
/// the core before `UserShareSigncryption` encrypts it to the user. Encoded as
/// `version (1) ‖ party id (u32 BE) ‖ degree (u32 BE) ‖ block count (u32 BE) ‖ shares (u64 LE each) ‖ signature (65)`.
public struct UserDecryptionShare: Sendable, Equatable {
    public static let version: UInt8 = 1
    static let headerCount = 13

    public var partyID: Int
    public var degree: Int
    /// One field element (< p) per block, in the ciphertext's block order.
    public var shares: [UInt64]

    public init(partyID: Int, degree: Int, shares: [UInt64]) {
        self.partyID = partyID
        self.degree = degree
        self.shares = shares
    }

    /// What a share is bound to: the request, the user, the ciphertext and the key it is encrypted to. The same
    /// bytes are the HPKE associated data and enter the core's signature.
    public struct Binding: Sendable, Equatable {
        public var requestID: [UInt8]
        public var userAddress: EthereumAddress
        public var handle: [UInt8]
        public var encryptionKey: [UInt8]

        public init(requestID: [UInt8], userAddress: EthereumAddress, handle: [UInt8], encryptionKey: [UInt8]) {
            self.requestID = requestID
            self.userAddress = userAddress
            self.handle = handle
            self.encryptionKey = encryptionKey
        }

        /// request id (32) ‖ party id (u32 BE) ‖ user address (20) ‖ handle (32) ‖ SHA3-256(encryption key).
        public func associatedData(partyID: Int) -> [UInt8] {
            requestID + bigEndian32(partyID) + userAddress.bytes + handle + SHA3_256.hash(encryptionKey)
        }
    }

    /// The signed part: the encoding without the signature.
    var body: [UInt8] {
        var bytes = [Self.version] + bigEndian32(partyID) + bigEndian32(degree) + bigEndian32(shares.count)
        bytes.reserveCapacity(bytes.count + 8 * shares.count)
        for share in shares { withUnsafeBytes(of: share.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    /// Keccak-256 over a domain separator, the binding and the body: what the core signs.
    public func digest(binding: Binding) -> [UInt8] {
        Keccak256.hash(Array("threshold-kms/user-decryption-share/v1".utf8) + binding.associatedData(partyID: partyID) + body)
    }

    /// The body followed by the core's signature over `digest(binding:)`.
    public func signed(by key: OperatorSigningKey, binding: Binding) throws(SignatureError) -> [UInt8] {
        body + (try key.sign(digest: digest(binding: binding))).bytes
    }

    /// Parses a signed share and checks that `signer` signed it for `binding`; `nil` signer skips that check.
    public init(signed bytes: [UInt8], binding: Binding, signer: EthereumAddress?) throws(UserDecryptionShareError) {
        guard bytes.count >= Self.headerCount + 65, bytes[0] == Self.version else { throw .malformed("header") }
        let count = Int(Self.readBigEndian32(bytes, at: 9))
        guard bytes.count == Self.headerCount + 8 * count + 65 else { throw .malformed("\(count) shares in \(bytes.count) bytes") }
        partyID = Int(Self.readBigEndian32(bytes, at: 1))
        degree = Int(Self.readBigEndian32(bytes, at: 5))
        shares = (0..<count).map { index in
            let start = Self.headerCount + 8 * index
            return (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << UInt64(8 * $1) }
        }
        guard shares.allSatisfy({ $0 < FieldElement.modulus }) else { throw .malformed("a share is not below p") }
        guard let signer else { return }
        let signature: RecoverableSignature
        do { signature = try RecoverableSignature(bytes: Array(bytes.suffix(65))) } catch { throw .badSignature }
        guard signature.verify(digest: digest(binding: binding), address: signer) else { throw .badSignature }
    }

    static func readBigEndian32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }
}

/// Why a user-decryption share was refused by its recipient.
public enum UserDecryptionShareError: Error, Equatable, Sendable {
    /// The user's key is not an X-Wing public key (1,216 bytes) or private key seed (32 bytes).
    case invalidUserKey(String)
    /// The HPKE ciphertext does not open with the user's key and this binding (tampered, or for someone else).
    case cannotOpen
    /// The opened bytes are not a share in the format above.
    case malformed(String)
    /// The core's signature over the share does not verify for its address.
    case badSignature
    /// HPKE refused to encrypt (no system randomness).
    case encryptionFailed
}

func bigEndian32(_ value: Int) -> [UInt8] {
    let value = UInt32(truncatingIfNeeded: value)
    return [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
}
