import MPCProtocols
import SecureMemory

/// What an epoch stores in the private vault (encrypted there): its id, its context, this party's place in it
/// and its PRSS subset keys. Layout v1: "KMSEPOCH" ‖ version ‖ epoch id (32) ‖ context id (32) ‖ party, n, t
/// (u16 big-endian each) ‖ keys.
struct EpochRecord {
    static let magic = Array("KMSEPOCH".utf8)
    static let version: UInt8 = 1
    static let headerBytes = 8 + 1 + 32 + 32 + 6

    let epochID: RequestIdentifier
    let contextID: RequestIdentifier
    let prss: PRSS

    func serialized() -> SecretBytes {
        let keys = prss.exportKeys()
        var header = Self.magic + [Self.version] + epochID.bytes + contextID.bytes
        for value in [prss.partyID, prss.partyCount, prss.threshold] {
            header += [UInt8(value >> 8), UInt8(value & 0xFF)]
        }
        return SecretBytes(count: header.count + keys.count) { out in
            out.copyBytes(from: header)
            keys.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[header.count...]).copyMemory(from: $0) }
        }
    }

    init(epochID: RequestIdentifier, contextID: RequestIdentifier, prss: PRSS) {
        self.epochID = epochID
        self.contextID = contextID
        self.prss = prss
    }

    /// Parses a stored record; any inconsistency is a typed error, never a crash.
    init(parsing stored: SecretBytes) throws(EngineError) {
        let header: [UInt8] = stored.withUnsafeBytes { Array($0.prefix(Self.headerBytes)) }
        guard header.count == Self.headerBytes, Array(header[0..<8]) == Self.magic else {
            throw .internalFailure("stored epoch is not an epoch record")
        }
        guard header[8] == Self.version else { throw .internalFailure("stored epoch has unknown version \(header[8])") }
        epochID = try RequestIdentifier(bytes: Array(header[9..<41]))
        contextID = try RequestIdentifier(bytes: Array(header[41..<73]))
        func word(_ offset: Int) -> Int { Int(header[offset]) << 8 | Int(header[offset + 1]) }
        let keys = stored.withUnsafeBytes { SecretBytes($0[Self.headerBytes...]) }
        do {
            prss = try PRSS(partyID: word(73), partyCount: word(75), threshold: word(77), exportedKeys: keys)
        } catch {
            throw .internalFailure("stored epoch \(epochID): \(error)")
        }
    }
}
