import SwiftASN1

/// One element of a BER encoding (X.690 §8): what AWS KMS's `CiphertextForRecipient` uses (indefinite lengths and
/// constructed OCTET STRINGs, which a DER parser refuses). Parsing is swift-asn1's `BER.parse` (issue 15: no
/// hand-written TLV reader): lengths must fit the input, indefinite lengths only on constructed elements and
/// ended by an end-of-contents marker, no trailing bytes. This type keeps the small tree the CMS code walks, and
/// adds a nesting limit of `maximumDepth` (swift-asn1's own limit is 50).
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
        let node: ASN1Node
        do {
            node = try BER.parse(input)
        } catch let error as ASN1Error {
            throw BERError(error)
        } catch {
            throw .malformed("\(error)")
        }
        return try element(node, depth: 0)
    }

    private static func element(_ node: ASN1Node, depth: Int) throws(BERError) -> BERElement {
        guard depth < maximumDepth else { throw .malformed("nested deeper than \(maximumDepth)") }
        let tagClass: TagClass
        switch node.identifier.tagClass {
        case .universal: tagClass = .universal
        case .application: tagClass = .application
        case .contextSpecific: tagClass = .contextSpecific
        case .private: tagClass = .private
        }
        guard let number = UInt32(exactly: node.identifier.tagNumber) else { throw .malformed("bad high tag number") }
        switch node.content {
        case .primitive(let bytes):
            return BERElement(tagClass: tagClass, tagNumber: number, isConstructed: false, bytes: Array(bytes), children: [])
        case .constructed(let nodes):
            var children: [BERElement] = []
            for child in nodes { children.append(try element(child, depth: depth + 1)) }
            return BERElement(tagClass: tagClass, tagNumber: number, isConstructed: true, bytes: [], children: children)
        }
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
}

/// Why a BER encoding was refused.
enum BERError: Error, Equatable, CustomStringConvertible {
    case truncated
    case trailingBytes
    case malformed(String)

    /// swift-asn1's refusal, in our terms (its reasons are kept for the message).
    init(_ error: ASN1Error) {
        let text = "\(error)"
        if error.code == .truncatedASN1Field {
            self = .truncated
        } else if text.contains("Trailing unparsed data") {
            self = .trailingBytes
        } else if text.contains("stack depth") {
            self = .malformed("nested deeper than \(BERElement.maximumDepth)")
        } else {
            self = .malformed(text)
        }
    }

    var description: String {
        switch self {
        case .truncated: "truncated BER encoding"
        case .trailingBytes: "bytes after the BER element"
        case .malformed(let why): "malformed BER: \(why)"
        }
    }
}
