/// The stored form of a private object (DESIGN §5): a header naming the root-key kind and carrying the wrapped
/// data key, then AES-256-GCM `nonce ‖ ciphertext ‖ tag`. Lengths are explicit so a torn or truncated object is
/// told apart from a tampered one.
///
///     "KMSV" | version 1 | u8 kind length | kind | u16 wrapped-key length | wrapped key
///            | u64 sealed length | nonce (12) | ciphertext ‖ tag (16)
///
/// The whole header is bound into the GCM associated data together with the object's id and class.
struct PrivateObjectEnvelope: Equatable {
    static let magic: [UInt8] = Array("KMSV".utf8)
    static let version: UInt8 = 1
    static let nonceSize = 12
    static let tagSize = 16

    var rootKind: String
    var wrappedKey: [UInt8]
    var nonce: [UInt8]
    /// Ciphertext followed by the 16-byte tag.
    var sealed: [UInt8]

    /// Everything before the nonce (bound as associated data).
    var header: [UInt8] {
        var bytes = Self.magic
        bytes.append(Self.version)
        let kindBytes = Array(rootKind.utf8.prefix(255))
        bytes.append(UInt8(kindBytes.count))
        bytes += kindBytes
        bytes += [UInt8(wrappedKey.count >> 8), UInt8(wrappedKey.count & 0xff)]
        bytes += wrappedKey
        let sealedCount = UInt64(sealed.count)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: sealedCount >> UInt64(shift))) }
        return bytes
    }

    func serialized() -> [UInt8] { header + nonce + sealed }

    /// Parses stored bytes; `id` only names the object in errors.
    init(parsing bytes: [UInt8], id: String) throws(VaultError) {
        var reader = Reader(bytes: bytes, id: id)
        guard try reader.take(4) == Self.magic else {
            throw .malformedObject(id: id, reason: "not a vault private object (bad magic)")
        }
        let version = try reader.take(1)[0]
        guard version == Self.version else {
            throw .malformedObject(id: id, reason: "unsupported envelope version \(version)")
        }
        let kindLength = Int(try reader.take(1)[0])
        rootKind = String(decoding: try reader.take(kindLength), as: UTF8.self)
        let lengthBytes = try reader.take(2)
        wrappedKey = try reader.take(Int(lengthBytes[0]) << 8 | Int(lengthBytes[1]))
        let sealedLength = try reader.take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        nonce = try reader.take(Self.nonceSize)
        guard sealedLength >= UInt64(Self.tagSize), sealedLength <= UInt64(Int.max) else {
            throw .malformedObject(id: id, reason: "impossible ciphertext length \(sealedLength)")
        }
        sealed = try reader.take(Int(sealedLength))
        guard reader.remaining == 0 else {
            throw .malformedObject(id: id, reason: "\(reader.remaining) unexpected bytes after the ciphertext")
        }
    }

    init(rootKind: String, wrappedKey: [UInt8], nonce: [UInt8], sealed: [UInt8]) {
        self.rootKind = rootKind
        self.wrappedKey = wrappedKey
        self.nonce = nonce
        self.sealed = sealed
    }

    private struct Reader {
        let bytes: [UInt8]
        let id: String
        var offset = 0
        var remaining: Int { bytes.count - offset }

        mutating func take(_ count: Int) throws(VaultError) -> [UInt8] {
            guard count <= remaining else { throw .truncatedObject(id) }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
    }
}
