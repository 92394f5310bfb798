/// One element of a BER encoding (X.690 §8): what AWS KMS's `CiphertextForRecipient` uses (indefinite lengths and
/// constructed OCTET STRINGs, which a DER parser refuses). Strict: lengths must fit the input, indefinite lengths
/// only on constructed elements and ended by an end-of-contents marker, nesting at most `maximumDepth` deep.
struct BERElement: Sendable, Equatable {
    enum TagClass: UInt8, Sendable { case universal = 0, application = 1, contextSpecific = 2, `private` = 3 }

    var tagClass: TagClass
    var tagNumber: UInt32
    /// Primitive elements carry `bytes`; constructed ones carry `children`.
    var isConstructed: Bool
    var bytes: [UInt8]
    var children: [BERElement]

    static let maximumDepth = 24

    /// Universal tag numbers used by CMS.
    enum Universal {
        static let integer: UInt32 = 2, octetString: UInt32 = 4, null: UInt32 = 5, objectIdentifier: UInt32 = 6
        static let sequence: UInt32 = 16, set: UInt32 = 17
    }

    /// Parses exactly one element that spans all of `input`.
    static func parse(_ input: [UInt8]) throws(BERError) -> BERElement {
        var reader = Reader(bytes: input)
        let element = try reader.element(depth: 0)
        guard reader.offset == input.count else { throw .trailingBytes(input.count - reader.offset) }
        return element
    }

    func isUniversal(_ number: UInt32) -> Bool { tagClass == .universal && tagNumber == number }
    func isContext(_ number: UInt32) -> Bool { tagClass == .contextSpecific && tagNumber == number }

    /// The content of a string type, concatenating the segments of a constructed (BER) string.
    func stringContent() throws(BERError) -> [UInt8] {
        guard isConstructed else { return bytes }
        var out: [UInt8] = []
        for child in children {
            guard child.tagClass == .universal, child.tagNumber == Universal.octetString else {
                throw .malformed("a constructed string segment is not an OCTET STRING")
            }
            out += try child.stringContent()
        }
        return out
    }

    /// The dotted form of an OBJECT IDENTIFIER (X.690 §8.19).
    func objectIdentifier() throws(BERError) -> String {
        guard isUniversal(Universal.objectIdentifier), !isConstructed, !bytes.isEmpty, bytes.last! & 0x80 == 0 else {
            throw .malformed("expected an OBJECT IDENTIFIER")
        }
        var arcs: [UInt64] = []
        var value: UInt64 = 0
        for byte in bytes {
            guard value >> 56 == 0 else { throw .malformed("OBJECT IDENTIFIER arc too large") }
            value = value << 7 | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 { arcs.append(value); value = 0 }
        }
        let first = arcs[0] < 80 ? arcs[0] / 40 : 2
        return ([first, arcs[0] - first * 40] + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }

    /// A small non-negative INTEGER (versions).
    func smallInteger() throws(BERError) -> Int {
        guard isUniversal(Universal.integer), !isConstructed, (1...4).contains(bytes.count), bytes[0] & 0x80 == 0 else {
            throw .malformed("expected a small non-negative INTEGER")
        }
        return bytes.reduce(0) { $0 << 8 | Int($1) }
    }

    /// Reads elements from `bytes[offset..<end]`; a definite-length constructed element narrows `end` for its
    /// children instead of copying its content.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0
        var end: Int

        init(bytes: [UInt8]) {
            self.bytes = bytes
            end = bytes.count
        }

        mutating func byte() throws(BERError) -> UInt8 {
            guard offset < end else { throw .truncated }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func element(depth: Int) throws(BERError) -> BERElement {
            guard depth < BERElement.maximumDepth else { throw .malformed("nested deeper than \(BERElement.maximumDepth)") }
            let first = try byte()
            let tagClass = TagClass(rawValue: first >> 6)!
            let constructed = first & 0x20 != 0
            var number = UInt32(first & 0x1F)
            if number == 0x1F {
                number = 0
                for index in 0... {
                    let next = try byte()
                    guard index < 4, !(index == 0 && next == 0x80) else { throw .malformed("bad high tag number") }
                    number = number << 7 | UInt32(next & 0x7F)
                    if next & 0x80 == 0 { break }
                }
            }
            let lengthByte = try byte()
            if lengthByte == 0x80 {
                guard constructed else { throw .malformed("indefinite length on a primitive element") }
                var children: [BERElement] = []
                while true {
                    guard offset + 2 <= end else { throw .truncated }
                    if bytes[offset] == 0, bytes[offset + 1] == 0 { offset += 2; break }
                    children.append(try element(depth: depth + 1))
                }
                return BERElement(tagClass: tagClass, tagNumber: number, isConstructed: true, bytes: [], children: children)
            }
            var length = Int(lengthByte)
            if lengthByte & 0x80 != 0 {
                let count = Int(lengthByte & 0x7F)
                guard (1...4).contains(count) else { throw .malformed("length of \(count) bytes") }
                length = 0
                for _ in 0..<count { length = length << 8 | Int(try byte()) }
            }
            guard length <= end - offset else { throw .truncated }
            let contentEnd = offset + length
            if !constructed {
                defer { offset = contentEnd }
                return BERElement(tagClass: tagClass, tagNumber: number, isConstructed: false,
                                  bytes: Array(bytes[offset..<contentEnd]), children: [])
            }
            let outerEnd = end
            end = contentEnd
            defer { end = outerEnd }
            var children: [BERElement] = []
            while offset < contentEnd { children.append(try element(depth: depth + 1)) }
            return BERElement(tagClass: tagClass, tagNumber: number, isConstructed: true, bytes: [], children: children)
        }
    }
}

/// Why a BER encoding was refused.
enum BERError: Error, Equatable, CustomStringConvertible {
    case truncated
    case trailingBytes(Int)
    case malformed(String)

    var description: String {
        switch self {
        case .truncated: "truncated BER encoding"
        case .trailingBytes(let count): "\(count) bytes after the BER element"
        case .malformed(let why): "malformed BER: \(why)"
        }
    }
}
