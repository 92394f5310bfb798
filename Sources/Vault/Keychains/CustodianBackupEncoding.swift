import Crypto

/// The stored form of a custodian backup. Version 2 (signed): the header (`"KMSC" | 2 | backup id | k | m |
/// custodian keys | share commitments | secret commitment | signer public key`, every field 2-byte
/// length-prefixed), the m sealed shares, length-prefixed, then the Ed25519 signature, length-prefixed.
/// Version 1 (before issue 15) has no signer key and no signature; it is read only with `allowUnsigned`.
/// It holds no secret in the clear, so it may be stored as a public vault object or on paper.
extension CustodianBackup {
    public func serialized() -> [UInt8] {
        let body = sealedShares.reduce(headerBytes()) { $0 + Self.lengthPrefixed($1) }
        return version >= 2 ? body + Self.lengthPrefixed(signature) : body
    }

    /// Parses a record and checks it was signed by `expectedSigner` (see `verify`): a substituted or tampered
    /// record, or an unsigned version-1 record without `allowUnsigned`, is refused.
    public init(serialized bytes: [UInt8], expectedSigner: Curve25519.Signing.PublicKey,
                allowUnsigned: Bool = false) throws(VaultError) {
        self = try Self.parse(bytes)
        try verify(expectedSigner: expectedSigner, allowUnsigned: allowUnsigned)
    }

    /// Parses the bytes of a record without checking its signature (the signature check is `verify`).
    static func parse(_ bytes: [UInt8]) throws(VaultError) -> CustodianBackup {
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
        let magic = try take(5)
        guard magic.prefix(4) == Array("KMSC".utf8)[...], magic[4] == 1 || magic[4] == 2 else {
            throw reject("wrong magic or version")
        }
        let version = magic[4]
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
        var signer: [UInt8] = [], signature: [UInt8] = []
        if version >= 2 { signer = try field() }
        for _ in 0..<count { sealed.append(try field()) }
        if version >= 2 { signature = try field() }
        guard offset == bytes.count else { throw reject("\(bytes.count - offset) trailing bytes") }
        guard keys.allSatisfy({ $0.count == 32 }), commitments.allSatisfy({ $0.count == 32 }), secretCommitment.count == 32
        else { throw reject("key or commitment of the wrong size") }
        guard version == 1 || (signer.count == 32 && signature.count == 64) else {
            throw reject("signer key or signature of the wrong size")
        }
        return CustodianBackup(version: version, backupID: backupID, threshold: threshold, custodianKeys: keys,
                               shareCommitments: commitments, secretCommitment: secretCommitment, sealedShares: sealed,
                               signerPublicKey: signer, signature: signature)
    }
}
