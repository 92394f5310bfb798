/// The stored form of a custodian backup: the header (`"KMSC" | v1 | backup id | k | m | custodian keys |
/// share commitments | secret commitment`, every field 2-byte length-prefixed) followed by the m sealed shares,
/// length-prefixed. It holds no secret in the clear, so it may be stored as a public vault object or on paper.
extension CustodianBackup {
    public func serialized() -> [UInt8] {
        sealedShares.reduce(headerBytes()) { $0 + Self.lengthPrefixed($1) }
    }

    public init(serialized bytes: [UInt8]) throws(VaultError) {
        var offset = 0
        func reject(_ why: String) -> VaultError { .custodianShareRejected(reason: "backup record is malformed: \(why)") }
        func take(_ count: Int) throws(VaultError) -> [UInt8] {
            guard count >= 0, bytes.count - offset >= count else { throw reject("truncated") }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        func field() throws(VaultError) -> [UInt8] {
            let length = try take(2)
            return try take(Int(length[0]) << 8 | Int(length[1]))
        }
        guard try take(5) == Array("KMSC".utf8) + [1] else { throw reject("wrong magic or version") }
        guard let backupID = String(validating: try field(), as: UTF8.self), !backupID.isEmpty else {
            throw reject("backup id is not UTF-8")
        }
        let counts = try take(2)
        let threshold = Int(counts[0]), count = Int(counts[1])
        guard threshold >= 1, threshold <= count else { throw reject("threshold \(threshold) of \(count)") }
        var keys: [[UInt8]] = [], commitments: [[UInt8]] = [], sealed: [[UInt8]] = []
        for _ in 0..<count { keys.append(try field()) }
        for _ in 0..<count { commitments.append(try field()) }
        let secretCommitment = try field()
        for _ in 0..<count { sealed.append(try field()) }
        guard offset == bytes.count else { throw reject("\(bytes.count - offset) trailing bytes") }
        guard keys.allSatisfy({ $0.count == 32 }), commitments.allSatisfy({ $0.count == 32 }), secretCommitment.count == 32
        else { throw reject("key or commitment of the wrong size") }
        self.init(backupID: backupID, threshold: threshold, custodianKeys: keys, shareCommitments: commitments,
                  secretCommitment: secretCommitment, sealedShares: sealed)
    }
}
