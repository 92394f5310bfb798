import SecureMemory

extension PRSS {
    /// Bytes per subset key.
    public static let keyBytes = 32

    /// This party's subset keys, concatenated in `PRSS.subsets(partyCount:threshold:)` order restricted to the
    /// subsets containing it: what an epoch stores (encrypted) to rebuild the same PRSS after a restart.
    public func exportKeys() -> SecretBytes {
        SecretBytes(count: subsets.count * Self.keyBytes) { out in
            for (index, subset) in subsets.enumerated() {
                subset.key.withUnsafeBytes { key in
                    UnsafeMutableRawBufferPointer(rebasing: out[(index * Self.keyBytes)..<((index + 1) * Self.keyBytes)])
                        .copyMemory(from: key)
                }
            }
        }
    }

    /// The PRSS of `exportKeys()`; throws if the byte count does not fit (n, t, party).
    public init(partyID: Int, partyCount: Int, threshold: Int, exportedKeys: SecretBytes) throws {
        let expected = PRSS.subsets(partyCount: partyCount, threshold: threshold).filter { $0.contains(partyID) }.count
        guard exportedKeys.count == expected * Self.keyBytes else {
            throw MPCError.invalidParameters("stored PRSS keys: expected \(expected * Self.keyBytes) bytes, got \(exportedKeys.count)")
        }
        let keys = (0..<expected).map { index in
            exportedKeys.withUnsafeBytes { SecretBytes($0[(index * Self.keyBytes)..<((index + 1) * Self.keyBytes)]) }
        }
        try self.init(partyID: partyID, partyCount: partyCount, threshold: threshold, keys: keys)
    }
}
