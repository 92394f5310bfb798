/// A request id (DESIGN §4): 32 bytes written as exactly 64 lower-case hex characters, no `0x` prefix.
/// It names a request and the key, CRS or preprocessing material the request produces.
public struct RequestIdentifier: Sendable, Hashable, CustomStringConvertible {
    public static let byteCount = 32

    /// The canonical text form (64 lower-case hex characters).
    public let hex: String

    /// Validates `text`; `field` names the request field in the error (e.g. "request_id", "key_id").
    public init(validating text: String, field: String = "request_id") throws(EngineError) {
        if text.isEmpty {
            throw EngineError.invalidArgument("\(field): missing (expected 64 lower-case hex characters)")
        }
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            throw EngineError.invalidArgument("\(field): must not start with 0x (expected 64 lower-case hex characters)")
        }
        guard text.utf8.count == 2 * Self.byteCount else {
            throw EngineError.invalidArgument(
                "\(field): expected 64 lower-case hex characters (32 bytes), got \(text.utf8.count) characters")
        }
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw EngineError.invalidArgument("\(field): only the characters 0-9 and a-f are allowed")
        }
        self.hex = text
    }

    /// The 32 bytes the id stands for.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(Self.byteCount)
        let digits = Array(hex.utf8)
        func value(_ digit: UInt8) -> UInt8 { digit <= 0x39 ? digit - 0x30 : digit - 0x61 + 10 }
        for index in stride(from: 0, to: digits.count, by: 2) {
            result.append(value(digits[index]) << 4 | value(digits[index + 1]))
        }
        return result
    }

    /// The id of the given 32 bytes.
    public init(bytes: [UInt8]) throws(EngineError) {
        guard bytes.count == Self.byteCount else {
            throw EngineError.invalidArgument("request id: expected 32 bytes, got \(bytes.count)")
        }
        let alphabet = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(alphabet[Int(byte >> 4)])
            text.append(alphabet[Int(byte & 0xF)])
        }
        self.hex = String(decoding: text, as: UTF8.self)
    }

    public var description: String { hex }
}
