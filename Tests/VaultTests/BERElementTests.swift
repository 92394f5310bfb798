import Testing
@testable import Vault

@Suite struct BERElementTests {
    @Test func definiteAndIndefiniteLengthsParseToTheSameTree() throws {
        // SEQUENCE { INTEGER 5, [0] constructed { OCTET STRING 'ab', OCTET STRING 'c' } }, in DER-like and BER forms.
        let definite: [UInt8] = [0x30, 0x0C, 0x02, 0x01, 0x05, 0xA0, 0x07, 0x04, 0x02, 0x61, 0x62, 0x04, 0x01, 0x63]
        let indefinite: [UInt8] = [0x30, 0x80, 0x02, 0x01, 0x05, 0xA0, 0x80, 0x04, 0x02, 0x61, 0x62, 0x04, 0x01, 0x63, 0x00, 0x00, 0x00, 0x00]
        let fixed = try BERElement.parse(definite)
        let streamed = try BERElement.parse(indefinite)
        #expect(fixed == streamed)
        #expect(try streamed.children[0].smallInteger() == 5)
        #expect(streamed.children[1].isContext(0))
        // [0] holds OCTET STRING segments: their concatenation is the content.
        #expect(try streamed.children[1].stringContent() == Array("abc".utf8))
    }

    @Test func objectIdentifiersDecode() throws {
        let envelopedData: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03]
        #expect(try BERElement.parse(envelopedData).objectIdentifier() == "1.2.840.113549.1.7.3")
        let aes256CBC: [UInt8] = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A]
        #expect(try BERElement.parse(aes256CBC).objectIdentifier() == "2.16.840.1.101.3.4.1.42")
    }

    @Test func malformedEncodingsAreTypedErrors() {
        // (swift-asn1's BER parser since issue 15; the same inputs are refused, with its reasons.)
        let cases: [([UInt8], BERError?)] = [
            ([0x30, 0x05, 0x02, 0x01], .truncated),
            ([0x02, 0x01, 0x05, 0x00], .trailingBytes),
            ([0x04, 0x80, 0x61, 0x00, 0x00], nil),                 // indefinite length on a primitive element
            ([0x30, 0x80, 0x02, 0x01, 0x05], .truncated),
            ([0x04, 0x89, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], nil),  // a 9-byte length
            ([0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x00], .truncated),
            ([0x00, 0x00], nil),                                   // end-of-contents where an element belongs
            ([0x1F, 0x05, 0x00], nil),                             // high tag number below 31
            ([], .truncated),
        ]
        for (input, expected) in cases {
            do {
                let element = try BERElement.parse(input)
                Issue.record("\(input) parsed as \(element)")
            } catch {
                if let expected { #expect(error == expected, "\(input)") } else {
                    guard case .malformed = error else { Issue.record("\(input): \(error)"); continue }
                }
            }
        }
        // A nesting bomb stops at the depth limit instead of exhausting the stack.
        let bomb = [UInt8]([0x30, 0x80].repeated(2_000)) + [UInt8](repeating: 0, count: 4_000)
        #expect(throws: BERError.malformed("nested deeper than \(BERElement.maximumDepth)")) { _ = try BERElement.parse(bomb) }
    }

    @Test func randomInputNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<5_000 {
            let count = Int.random(in: 0..<64, using: &generator)
            let input = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if (try? BERElement.parse(input)) != nil { accepted += 1 }
        }
        #expect(accepted < 5_000)
    }
}

private extension Array {
    func repeated(_ times: Int) -> [Element] { (0..<times).flatMap { _ in self } }
}
