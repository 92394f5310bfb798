import Algebra

/// Versioned binary format: "TKFH" | type (1) | version (1) | parameter-set id (1) | payload.
/// Integers little-endian; field elements as canonical UInt64 (< p); lengths are implied by the
/// parameter set, so any extra or missing byte is an error.
public enum FHEObjectType: UInt8, Sendable {
    case lweCiphertext = 1, lweSecretKey = 2, glweSecretKey = 3, keySwitchingKey = 4, bootstrappingKey = 5, compactPublicKey = 6,
         serverKey = 7, radixCiphertext = 8, multiBitBootstrappingKey = 9,
         modulusSwitchNoiseReductionKey = 10
}

public enum FHESerialization {
    public static let magic: [UInt8] = Array("TKFH".utf8)
    public static let version: UInt8 = 1
    public static let seedLength = 32

    static func header(_ type: FHEObjectType, _ parameters: FHEParameters) -> [UInt8] {
        magic + [type.rawValue, version, parameters.id]
    }

    /// The seeded (compressed) form of a key whose masks are expanded from a seed: header, seed, bodies.
    static func seeded(_ type: FHEObjectType, _ parameters: FHEParameters, seed: [UInt8], bodies: [FieldElement]) -> [UInt8] {
        var out = header(type, parameters)
        out.append(contentsOf: seed)
        out.append(elements: bodies)
        return out
    }

    /// Reads a seeded form: its parameter set, seed and bodies; `bodyCount` gives the number of bodies the
    /// parameter set implies (and may refuse the set by throwing).
    static func readSeeded(
        _ bytes: [UInt8], _ type: FHEObjectType, bodyCount: (FHEParameters) throws(FHEError) -> Int
    ) throws(FHEError) -> (parameters: FHEParameters, seed: [UInt8], bodies: [FieldElement]) {
        var reader = ByteReader(bytes)
        let parameters = try reader.header(type)
        let count = try bodyCount(parameters)
        let seed = Array(try reader.take(seedLength))
        let bodies = try reader.elements(count)
        try reader.finish()
        return (parameters, seed, bodies)
    }

    /// SHA3-256 over a domain separator and the serialized bytes.
    public static func digest(_ bytes: [UInt8]) -> [UInt8] {
        SHA3_256.hash(Array("TKMS-FHE-KEY-DIGEST-v1".utf8) + bytes)
    }
}

/// Bounds-checked reader; every read throws on truncation.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ count: Int) throws(FHEError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else {
            throw .truncated(expected: offset + count, available: bytes.count)
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }
    mutating func byte() throws(FHEError) -> UInt8 { try take(1).first! }
    mutating func word() throws(FHEError) -> UInt64 {
        var value: UInt64 = 0
        for (shift, b) in try take(8).enumerated() { value |= UInt64(b) << UInt64(8 * shift) }
        return value
    }
    mutating func element() throws(FHEError) -> FieldElement {
        let value = try word()
        guard value < FieldElement.modulus else { throw .nonCanonicalElement(value) }
        return FieldElement(value)
    }
    /// `count` elements read in one pass (a euint64 ciphertext holds 30,000 of them); the error names the first
    /// non-canonical one, as reading them one by one would.
    mutating func elements(_ count: Int) throws(FHEError) -> [FieldElement] {
        guard count >= 0, count <= (bytes.count - offset) / 8 else {
            throw .truncated(expected: offset &+ count.multipliedReportingOverflow(by: 8).partialValue, available: bytes.count)
        }
        var largest: UInt64 = 0
        let start = offset
        let out = [FieldElement](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for index in 0..<count {
                    let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start &+ index &* 8, as: UInt64.self))
                    largest = max(largest, word)
                    (buffer.baseAddress! + index).initialize(to: FieldElement(word))
                }
            }
            initialized = count
        }
        if largest >= FieldElement.modulus {
            var reader = self
            for _ in 0..<count { _ = try reader.element() }
        }
        offset += count * 8
        return out
    }
    mutating func binary(_ count: Int) throws(FHEError) -> [FieldElement] {
        let values = try elements(count)
        for v in values where v.value > 1 { throw .invalidSecretCoefficient(v.value) }
        return values
    }
    /// Reads and checks the header; returns the parameter set it names.
    mutating func header(_ type: FHEObjectType) throws(FHEError) -> FHEParameters {
        try header(type, versions: FHESerialization.version...FHESerialization.version).parameters
    }
    /// Reads and checks the header of a type with several format versions.
    mutating func header(_ type: FHEObjectType, versions: ClosedRange<UInt8>) throws(FHEError)
        -> (parameters: FHEParameters, version: UInt8) {
        guard Array(try take(4)) == FHESerialization.magic else { throw .badMagic }
        let found = try byte()
        guard found == type.rawValue else { throw .wrongType(expected: type.rawValue, found: found) }
        let version = try byte()
        guard versions.contains(version) else { throw .unsupportedVersion(version) }
        return (try FHEParameters.withID(try byte()), version)
    }
    func finish() throws(FHEError) {
        guard offset == bytes.count else { throw .oversized(extraBytes: bytes.count - offset) }
    }
}

extension Array where Element == UInt8 {
    mutating func append(word: UInt64) {
        for shift in 0..<8 { append(UInt8(truncatingIfNeeded: word >> UInt64(8 * shift))) }
    }
    mutating func append(elements: [FieldElement]) {
        reserveCapacity(count + elements.count * 8)
        for e in elements { append(word: e.value) }
    }
    mutating func append(elements: UnsafeBufferPointer<FieldElement>) {
        reserveCapacity(count + elements.count * 8)
        for e in elements { append(word: e.value) }
    }
}

extension LWECiphertext {
    /// Serialized under the small key of `parameters` (dimension n) or the big key (k·N): a flag byte tells.
    public func serialized(parameters: FHEParameters) -> [UInt8] {
        var out = FHESerialization.header(.lweCiphertext, parameters)
        out.append(dimension == parameters.lweDimension ? 0 : 1)
        out.append(elements: mask + [body])
        return out
    }
    public init(serialized bytes: [UInt8], parameters expected: FHEParameters? = nil) throws(FHEError) {
        var reader = ByteReader(bytes)
        let parameters = try reader.header(.lweCiphertext)
        if let expected, expected.id != parameters.id { throw .parameterMismatch(expected: expected.id, found: parameters.id) }
        let flag = try reader.byte()
        guard flag <= 1 else { throw .dimensionMismatch(expected: 1, found: Int(flag)) }
        let n = flag == 0 ? parameters.lweDimension : parameters.bigLWEDimension
        let values = try reader.elements(n + 1)
        try reader.finish()
        self.init(mask: Array(values.prefix(n)), body: values[n])
    }
}

extension ClientKey {
    public func serialized() -> [UInt8] {
        var out = FHESerialization.header(.lweSecretKey, parameters)
        small.withUnsafeCoefficients { out.append(elements: $0) }
        big.withUnsafeCoefficients { out.append(elements: $0) }
        return out
    }
    public init(serialized bytes: [UInt8]) throws(FHEError) {
        var reader = ByteReader(bytes)
        let parameters = try reader.header(.lweSecretKey)
        var small = try reader.binary(parameters.lweDimension)
        var big = try reader.binary(parameters.bigLWEDimension)
        defer { small.zeroize(); big.zeroize() }
        try reader.finish()
        self.init(parameters: parameters, small: LWESecretKey(coefficients: small), big: GLWESecretKey(coefficients: big))
    }
}

extension KeySwitchingKey {
    /// Seeded (compressed) form: seed + bodies; masks are re-expanded on load.
    public func serialized() -> [UInt8] {
        FHESerialization.seeded(.keySwitchingKey, parameters, seed: seed, bodies: bodies)
    }
    public init(serialized bytes: [UInt8]) throws(FHEError) {
        let (parameters, seed, bodies) = try FHESerialization.readSeeded(bytes, .keySwitchingKey) { $0.bigLWEDimension * $0.ksLevels }
        self.init(parameters: parameters, seed: seed, bodies: bodies, masks: Self.expandMasks(seed: seed, parameters: parameters))
    }
}

extension BootstrappingKey {
    /// Seeded (compressed) form: seed + bodies in coefficient form.
    public func serialized() -> [UInt8] {
        FHESerialization.seeded(.bootstrappingKey, parameters, seed: seed, bodies: bodies)
    }
    public init(serialized bytes: [UInt8]) throws(FHEError) {
        let (parameters, seed, bodies) = try FHESerialization.readSeeded(bytes, .bootstrappingKey) {
            $0.lweDimension * ($0.glweDimension + 1) * $0.pbsLevels * $0.polynomialSize
        }
        self.init(seed: seed, bodies: bodies, parameters: parameters)
    }
}

extension MultiBitBootstrappingKey {
    /// Seeded (compressed) form: seed + bodies in coefficient form (type `multiBitBootstrappingKey`).
    public func serialized() -> [UInt8] {
        FHESerialization.seeded(.multiBitBootstrappingKey, parameters, seed: seed, bodies: bodies)
    }
    public init(serialized bytes: [UInt8]) throws(FHEError) {
        let (parameters, seed, bodies) = try FHESerialization.readSeeded(bytes, .multiBitBootstrappingKey) { parameters throws(FHEError) in
            guard Self.supports(parameters) else { throw .unknownParameterSet(parameters.id) }
            return Self.bodyCount(parameters: parameters)
        }
        self.init(seed: seed, bodies: bodies, parameters: parameters)
    }
}

extension ModulusSwitchNoiseReductionKey {
    /// Seeded form: seed + the M bodies (type `modulusSwitchNoiseReductionKey`).
    public func serialized() -> [UInt8] {
        FHESerialization.seeded(.modulusSwitchNoiseReductionKey, parameters, seed: seed, bodies: bodies)
    }
    public init(serialized bytes: [UInt8]) throws(FHEError) {
        let (parameters, seed, bodies) = try FHESerialization.readSeeded(bytes, .modulusSwitchNoiseReductionKey) { $0.modulusSwitchZeros }
        self.init(parameters: parameters, seed: seed, bodies: bodies)
    }
}
