/// A minimal strict CBOR decoder (RFC 8949) for attestation documents: definite lengths only, shortest-form
/// integers and lengths (§4.2.1 preferred serialization), no duplicate map keys, no trailing bytes, bounded depth
/// and sizes. Floats, indefinite lengths, undefined and other simple values are refused — Nitro documents never
/// use them, and refusing them keeps parsing unambiguous.
public indirect enum CBORValue: Sendable, Hashable {
    case unsigned(UInt64)
    case negative(UInt64)          // value = −1 − n
    case bytes([UInt8])
    case text(String)
    case array([CBORValue])
    case map([CBORMapEntry])       // in document order
    case tagged(UInt64, CBORValue)
    case bool(Bool)
    case null

    /// The value under a text key of a map, or nil.
    public subscript(key: String) -> CBORValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == .text(key) }?.value
    }

    public var bytesValue: [UInt8]? { if case .bytes(let value) = self { value } else { nil } }
    public var textValue: String? { if case .text(let value) = self { value } else { nil } }
    public var unsignedValue: UInt64? { if case .unsigned(let value) = self { value } else { nil } }
    public var arrayValue: [CBORValue]? { if case .array(let value) = self { value } else { nil } }
}

public struct CBORMapEntry: Sendable, Hashable {
    public let key: CBORValue
    public let value: CBORValue
    public init(key: CBORValue, value: CBORValue) { self.key = key; self.value = value }
}

public enum StrictCBOR {
    static let maximumDepth = 16

    /// Decodes exactly one CBOR item filling all of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(VaultError) -> CBORValue {
        var reader = Reader(bytes: bytes)
        let value = try reader.item(depth: 0)
        guard reader.offset == bytes.count else { throw reject("\(bytes.count - reader.offset) trailing bytes") }
        return value
    }

    static func reject(_ why: String) -> VaultError { .attestationRejected(reason: "malformed CBOR: \(why)") }

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func byte() throws(VaultError) -> UInt8 {
            guard offset < bytes.count else { throw reject("truncated") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func take(_ count: UInt64) throws(VaultError) -> [UInt8] {
            guard count <= UInt64(bytes.count - offset) else { throw reject("length \(count) exceeds the input") }
            defer { offset += Int(count) }
            return Array(bytes[offset..<offset + Int(count)])
        }

        /// The argument of a head: shortest form enforced.
        mutating func argument(_ info: UInt8) throws(VaultError) -> UInt64 {
            switch info {
            case 0..<24: return UInt64(info)
            case 24...27:
                let width = 1 << Int(info - 24)
                var value: UInt64 = 0
                for _ in 0..<width { value = value << 8 | UInt64(try byte()) }
                let minimum: UInt64 = info == 24 ? 24 : 1 << (4 * UInt64(width))
                guard value >= minimum else { throw reject("non-shortest encoding of \(value)") }
                return value
            case 31: throw reject("indefinite lengths are not allowed")
            default: throw reject("reserved additional information \(info)")
            }
        }

        mutating func item(depth: Int) throws(VaultError) -> CBORValue {
            guard depth <= StrictCBOR.maximumDepth else { throw reject("nesting deeper than \(StrictCBOR.maximumDepth)") }
            let head = try byte()
            let major = head >> 5, info = head & 0x1F
            if major == 7 {
                switch info {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                default: throw reject("simple value or float \(info) is not allowed")
                }
            }
            let argument = try argument(info)
            switch major {
            case 0: return .unsigned(argument)
            case 1: return .negative(argument)
            case 2: return .bytes(try take(argument))
            case 3:
                guard let text = String(validating: try take(argument), as: UTF8.self) else { throw reject("invalid UTF-8 text") }
                return .text(text)
            case 4:
                guard argument <= UInt64(bytes.count - offset) else { throw reject("array length \(argument) exceeds the input") }
                var items: [CBORValue] = []
                for _ in 0..<argument { items.append(try item(depth: depth + 1)) }
                return .array(items)
            case 5:
                guard argument <= UInt64(bytes.count - offset) / 2 else { throw reject("map size \(argument) exceeds the input") }
                var entries: [CBORMapEntry] = []
                var keys = Set<CBORValue>()
                for _ in 0..<argument {
                    let key = try item(depth: depth + 1)
                    guard keys.insert(key).inserted else { throw reject("duplicate map key") }
                    entries.append(CBORMapEntry(key: key, value: try item(depth: depth + 1)))
                }
                return .map(entries)
            default: // 6
                return .tagged(argument, try item(depth: depth + 1))
            }
        }
    }
}
