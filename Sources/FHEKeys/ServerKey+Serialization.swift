import Algebra

extension ServerKey {
    /// Seeded (compressed) form: the blind-rotation key then the key-switching key, each in its own format. The
    /// blind-rotation key's own header tells its format (`bootstrappingKey`, as since 0.1.0, or
    /// `multiBitBootstrappingKey`), so a server key with a classic key serializes exactly as before.
    public func serialized() -> [UInt8] {
        let bsk: [UInt8]
        switch blindRotationKey {
        case .classic(let key): bsk = key.serialized()
        case .multiBit(let key): bsk = key.serialized()
        }
        let ksk = keySwitchingKey.serialized()
        var out = FHESerialization.header(.serverKey, parameters)
        out.append(word: UInt64(bsk.count))
        out.append(contentsOf: bsk)
        out.append(contentsOf: ksk)
        return out
    }

    public init(serialized bytes: [UInt8]) throws(FHEError) {
        var reader = ByteReader(bytes)
        let parameters = try reader.header(.serverKey)
        let length = try reader.word()
        guard length <= UInt64(bytes.count - reader.offset) else {
            throw .truncated(expected: reader.offset + Int(clamping: length), available: bytes.count)
        }
        let bskBytes = Array(try reader.take(Int(length)))
        let bsk: BlindRotationKey
        if bskBytes.count > 4, bskBytes[4] == FHEObjectType.multiBitBootstrappingKey.rawValue {
            bsk = .multiBit(try MultiBitBootstrappingKey(serialized: bskBytes))
        } else {
            bsk = .classic(try BootstrappingKey(serialized: bskBytes))
        }
        let ksk = try KeySwitchingKey(serialized: Array(bytes[reader.offset...]))
        guard bsk.parameters == parameters, ksk.parameters == parameters else {
            throw .parameterMismatch(expected: parameters.id, found: bsk.parameters == parameters ? ksk.parameters.id : bsk.parameters.id)
        }
        self.init(blindRotationKey: bsk, keySwitchingKey: ksk)
    }

    /// Only the key-switching key of a serialized server key (what public-key encryption needs), without
    /// expanding the bootstrapping key.
    public static func keySwitchingKey(fromSerialized bytes: [UInt8]) throws(FHEError) -> KeySwitchingKey {
        var reader = ByteReader(bytes)
        _ = try reader.header(.serverKey)
        let length = try reader.word()
        guard length <= UInt64(bytes.count - reader.offset) else {
            throw .truncated(expected: reader.offset + Int(clamping: length), available: bytes.count)
        }
        _ = try reader.take(Int(length))
        return try KeySwitchingKey(serialized: Array(bytes[reader.offset...]))
    }
}
