import Algebra

extension ServerKey {
    /// Seeded (compressed) form: the bootstrapping key then the key-switching key, each in its own format.
    public func serialized() -> [UInt8] {
        let bsk = bootstrappingKey.serialized(), ksk = keySwitchingKey.serialized()
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
        let bsk = try BootstrappingKey(serialized: Array(try reader.take(Int(length))))
        let ksk = try KeySwitchingKey(serialized: Array(bytes[reader.offset...]))
        guard bsk.parameters == parameters, ksk.parameters == parameters else {
            throw .parameterMismatch(expected: parameters.id, found: bsk.parameters == parameters ? ksk.parameters.id : bsk.parameters.id)
        }
        self.init(bootstrappingKey: bsk, keySwitchingKey: ksk)
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
