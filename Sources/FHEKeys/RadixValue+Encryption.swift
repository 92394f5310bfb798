/// Encryption and decryption of `RadixValue`s of any `FheType` (FheUint160 and FheUint256 included): the same
/// 2-bit blocks as the `(low, high)` API, which stays as it is for values up to 128 bits.
extension FheType {
    /// The radix blocks' messages of `value` (its low `rawValue` bits; FheBool takes bit 0).
    public func blockMessages(_ value: RadixValue, messageBits: Int) -> [UInt64] {
        (0..<blockCount).map { self == .bool ? value.bit(0) : value.digit($0, bits: messageBits) }
    }

    /// The type of a radix ciphertext's bit width, or `unsupportedBitWidth`.
    public init(bitWidth: Int) throws(FHEError) {
        guard let type = FheType(rawValue: bitWidth) else { throw .unsupportedBitWidth(bitWidth) }
        self = type
    }
}

extension ClientKey {
    /// Encrypts the low `type.rawValue` bits of `value`.
    public func encrypt<G: RandomNumberGenerator>(_ value: RadixValue, as type: FheType, using generator: inout G) -> RadixCiphertext {
        let blocks = type.blockMessages(value, messageBits: parameters.messageBits).map { encrypt($0, using: &generator) }
        return RadixCiphertext(blocks: blocks, bitWidth: type.rawValue)
    }

    /// Decrypts every block's message bits (carries dropped, as `decryptWide`) into one value.
    public func decryptValue(_ ciphertext: RadixCiphertext) throws(FHEError) -> RadixValue {
        try RadixValue(digits: ciphertext.blocks.map { decrypt($0) % parameters.messageModulus }, bitsPerDigit: parameters.messageBits)
    }
}

extension CompactPublicKey {
    /// Radix encryption of the low `type.rawValue` bits of `value` with the public key.
    public func encrypt<G: RandomNumberGenerator>(
        _ value: RadixValue, as type: FheType, keySwitchingKey: KeySwitchingKey, using generator: inout G
    ) -> RadixCiphertext {
        let blocks = type.blockMessages(value, messageBits: parameters.messageBits).map {
            encrypt($0, keySwitchingKey: keySwitchingKey, using: &generator)
        }
        return RadixCiphertext(blocks: blocks, bitWidth: type.rawValue)
    }
}
