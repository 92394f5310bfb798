import Algebra

extension ServerKey {
    /// Format version 2: with the modulus switch noise reduction key.
    static let noiseReductionVersion: UInt8 = 2

    /// Seeded (compressed) form. Version 1 (since 0.1.0; written when there is no noise reduction key): header, the
    /// blind-rotation key's length (8 bytes) and bytes, then the key-switching key to the end. Version 2: header, the
    /// blind-rotation key's length and bytes, the key-switching key's length and bytes, then the modulus switch noise
    /// reduction key to the end. Each key is in its own format; the blind-rotation key's header tells classic
    /// (`bootstrappingKey`) from multi-bit (`multiBitBootstrappingKey`).
    public func serialized() -> [UInt8] {
        let bsk: [UInt8]
        switch blindRotationKey {
        case .classic(let key): bsk = key.serialized()
        case .multiBit(let key): bsk = key.serialized()
        }
        let ksk = keySwitchingKey.serialized()
        var out = FHESerialization.header(.serverKey, parameters)
        if let reduction = modulusSwitchNoiseReduction {
            out[5] = Self.noiseReductionVersion
            out.append(word: UInt64(bsk.count))
            out.append(contentsOf: bsk)
            out.append(word: UInt64(ksk.count))
            out.append(contentsOf: ksk)
            out.append(contentsOf: reduction.serialized())
        } else {
            out.append(word: UInt64(bsk.count))
            out.append(contentsOf: bsk)
            out.append(contentsOf: ksk)
        }
        return out
    }

    public init(serialized bytes: [UInt8]) throws(FHEError) {
        var reader = ByteReader(bytes)
        let (parameters, version) = try reader.header(.serverKey, versions: FHESerialization.version...Self.noiseReductionVersion)
        let bskBytes = try Self.part(&reader, bytes)
        let bsk: BlindRotationKey
        if bskBytes.count > 4, bskBytes[4] == FHEObjectType.multiBitBootstrappingKey.rawValue {
            bsk = .multiBit(try MultiBitBootstrappingKey(serialized: bskBytes))
        } else {
            bsk = .classic(try BootstrappingKey(serialized: bskBytes))
        }
        let ksk: KeySwitchingKey
        var reduction: ModulusSwitchNoiseReductionKey?
        if version == Self.noiseReductionVersion {
            ksk = try KeySwitchingKey(serialized: try Self.part(&reader, bytes))
            let key = try ModulusSwitchNoiseReductionKey(serialized: Array(bytes[reader.offset...]))
            guard key.parameters == parameters else { throw .parameterMismatch(expected: parameters.id, found: key.parameters.id) }
            reduction = key
        } else {
            ksk = try KeySwitchingKey(serialized: Array(bytes[reader.offset...]))
        }
        guard bsk.parameters == parameters, ksk.parameters == parameters else {
            throw .parameterMismatch(expected: parameters.id, found: bsk.parameters == parameters ? ksk.parameters.id : bsk.parameters.id)
        }
        self.init(blindRotationKey: bsk, keySwitchingKey: ksk, modulusSwitchNoiseReduction: reduction)
    }

    /// A length-prefixed part (8-byte little-endian length, then the bytes).
    private static func part(_ reader: inout ByteReader, _ bytes: [UInt8]) throws(FHEError) -> [UInt8] {
        let length = try reader.word()
        guard length <= UInt64(bytes.count - reader.offset) else {
            throw .truncated(expected: reader.offset + Int(clamping: length), available: bytes.count)
        }
        return Array(try reader.take(Int(length)))
    }

    /// Only the key-switching key of a serialized server key (what public-key encryption needs), without
    /// expanding the bootstrapping key.
    public static func keySwitchingKey(fromSerialized bytes: [UInt8]) throws(FHEError) -> KeySwitchingKey {
        var reader = ByteReader(bytes)
        let (_, version) = try reader.header(.serverKey, versions: FHESerialization.version...noiseReductionVersion)
        _ = try part(&reader, bytes)
        if version == noiseReductionVersion { return try KeySwitchingKey(serialized: try part(&reader, bytes)) }
        return try KeySwitchingKey(serialized: Array(bytes[reader.offset...]))
    }
}
