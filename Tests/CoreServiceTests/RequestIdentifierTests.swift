@testable import Engine
import Testing

@Suite struct RequestIdentifierTests {
    static let valid = String(repeating: "0123456789abcdef", count: 4)

    @Test func acceptsSixtyFourLowerCaseHexCharacters() throws {
        let id = try RequestIdentifier(validating: Self.valid)
        #expect(id.hex == Self.valid)
        #expect(id.bytes.count == 32)
        #expect(id.bytes.prefix(8) == [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])
    }

    @Test(arguments: [
        ("", "missing"),
        ("0x" + String(repeating: "a", count: 62), "0x"),
        ("0x" + String(repeating: "a", count: 64), "0x"),
        (String(repeating: "A", count: 64), "0-9 and a-f"),
        (String(repeating: "g", count: 64), "0-9 and a-f"),
        (String(repeating: "a", count: 63), "got 63"),
        (String(repeating: "a", count: 65), "got 65"),
        (String(repeating: "é", count: 32), "characters"),
    ])
    func refusesMalformedIds(text: String, reason: String) {
        #expect {
            try RequestIdentifier(validating: text, field: "key_id")
        } throws: { error in
            guard case .invalidArgument(let message) = error as? EngineError else { return false }
            return message.hasPrefix("key_id:") && message.contains(reason)
        }
    }

    @Test func bytesRoundTripThroughHex() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let id = try RequestIdentifier(bytes: bytes)
            #expect(id.bytes == bytes)
            #expect(try RequestIdentifier(validating: id.hex) == id)
        }
        #expect(throws: EngineError.self) { try RequestIdentifier(bytes: [1, 2, 3]) }
    }
}
