import Crypto
import Foundation
import SecureMemory

/// A custodian backup of a root key (issue 5 item 4; TrustBloc-style Shamir unlock): the key is split k-of-m
/// with `ShamirGF256`, and share i is encrypted to custodian i's X25519 public key (ephemeral X25519 →
/// HKDF-SHA256 → AES-256-GCM, an ECIES construction). The header — backup id, k, m, custodian keys, a SHA-256
/// commitment to every share, one to the secret and the signer's public key — is the associated data of every
/// sealed share, so a custodian opening a share also authenticates the header, and recovery refuses any share
/// that does not match its commitment, and any combination that does not match the secret's commitment.
///
/// The record is signed (issue 15) with the core's long-term Ed25519 key (`Curve25519.Signing.PrivateKey`, passed
/// in by the caller): without it, whoever can replace the stored record can make a backup of a key of their own
/// choosing for the same custodians, and recovery would hand that key back as the core's root key. Loading and
/// recovery take the expected signer's public key; a record signed by anyone else is refused. Version-1 records
/// (before issue 15) carry no signature and are refused unless the caller passes `allowUnsigned: true`.
/// Rules: 2 ≤ k ≤ m ≤ 255 and the m custodian keys are distinct (k = 1 would make every custodian a single point
/// of compromise, and a repeated key gives one custodian several shares).
public struct CustodianBackup: Sendable, Equatable {
    /// 1: unsigned (legacy, read only); 2: signed.
    public let version: UInt8
    public let backupID: String
    public let threshold: Int
    /// Custodian public keys (raw 32-byte X25519), custodian i gets share x = i + 1.
    public let custodianKeys: [[UInt8]]
    /// SHA-256 commitment to each share (see `shareCommitment`).
    public let shareCommitments: [[UInt8]]
    /// SHA-256 commitment to the secret (the root key is 32 uniformly random bytes, so this hides it).
    public let secretCommitment: [UInt8]
    /// Sealed share per custodian: ephemeral public key (32) ‖ AES-GCM nonce ‖ ciphertext ‖ tag.
    public let sealedShares: [[UInt8]]
    /// The raw Ed25519 public key that signed the record (empty for a version-1 record).
    public let signerPublicKey: [UInt8]
    /// Ed25519 signature over `signedBytes()` (empty for a version-1 record).
    public let signature: [UInt8]

    init(version: UInt8 = 2, backupID: String, threshold: Int, custodianKeys: [[UInt8]], shareCommitments: [[UInt8]],
         secretCommitment: [UInt8], sealedShares: [[UInt8]], signerPublicKey: [UInt8], signature: [UInt8]) {
        self.version = version; self.backupID = backupID; self.threshold = threshold; self.custodianKeys = custodianKeys
        self.shareCommitments = shareCommitments; self.secretCommitment = secretCommitment; self.sealedShares = sealedShares
        self.signerPublicKey = signerPublicKey; self.signature = signature
    }

    /// A share as a custodian hands it back for recovery.
    public struct Share: Sendable {
        public let backupID: String
        public let index: Int
        public let value: SecretBytes
        public init(backupID: String, index: Int, value: SecretBytes) {
            self.backupID = backupID; self.index = index; self.value = value
        }
    }

    /// Splits `rootKey` for `custodians` (k = `threshold`, 2 ≤ k ≤ m, distinct custodians), each share sealed to
    /// its custodian, and signs the record with `signingKey` (the core's long-term key).
    public static func create(rootKey: SecretBytes, backupID: String, threshold: Int,
                              custodians: [Curve25519.KeyAgreement.PublicKey],
                              signingKey: Curve25519.Signing.PrivateKey) throws -> CustodianBackup {
        guard !backupID.isEmpty, backupID.utf8.count <= 256 else {
            throw VaultError.invalidConfiguration("custodian backup id must be 1…256 bytes")
        }
        guard threshold >= 2, threshold <= custodians.count, custodians.count <= 255 else {
            throw VaultError.invalidConfiguration(
                "custodian backup needs 2 ≤ threshold (\(threshold)) ≤ custodians (\(custodians.count)) ≤ 255")
        }
        let keys = custodians.map { Array($0.rawRepresentation) }
        guard Set(keys).count == keys.count else {
            throw VaultError.invalidConfiguration("custodian backup lists the same custodian key more than once")
        }
        let signer = Array(signingKey.publicKey.rawRepresentation)
        var secret = rootKey.withUnsafeBytes { Array($0) }
        defer { secret.zeroize() }
        var shares = try ShamirGF256.split(secret, threshold: threshold, count: custodians.count) { count in
            SecretBytes.random(count: count).withUnsafeBytes { Array($0) }
        }
        defer { for index in shares.indices { shares[index].y.zeroize() } }
        let commitments = shares.map { shareCommitment(backupID: backupID, index: Int($0.x) - 1, value: $0.y) }
        let secretCommitment = Self.secretCommitment(backupID: backupID, secret: secret)
        let header = headerBytes(version: 2, backupID: backupID, threshold: threshold, keys: keys, commitments: commitments,
                                 secretCommitment: secretCommitment, signer: signer)
        var sealed: [[UInt8]] = []
        for (index, custodian) in custodians.enumerated() {
            let ephemeral = Curve25519.KeyAgreement.PrivateKey()
            let key = try sealingKey(ephemeral.sharedSecretFromKeyAgreement(with: custodian),
                                     ephemeralPublic: Array(ephemeral.publicKey.rawRepresentation),
                                     recipient: keys[index], header: header, index: index)
            let box = try AES.GCM.seal(shares[index].y, using: key, authenticating: header + [UInt8(index)])
            guard let combined = box.combined else { throw VaultError.invalidConfiguration("AES-GCM gave no combined form") }
            sealed.append(Array(ephemeral.publicKey.rawRepresentation) + Array(combined))
        }
        let unsigned = CustodianBackup(version: 2, backupID: backupID, threshold: threshold, custodianKeys: keys,
                                       shareCommitments: commitments, secretCommitment: secretCommitment,
                                       sealedShares: sealed, signerPublicKey: signer, signature: [])
        let signature = try signingKey.signature(for: unsigned.signedBytes())
        return CustodianBackup(version: 2, backupID: backupID, threshold: threshold, custodianKeys: keys,
                               shareCommitments: commitments, secretCommitment: secretCommitment, sealedShares: sealed,
                               signerPublicKey: signer, signature: Array(signature))
    }

    /// Checks that the record was signed by `expectedSigner`; a version-1 (unsigned) record passes only with
    /// `allowUnsigned`. Also re-checks the structural rules (2 ≤ k ≤ m, distinct custodians).
    public func verify(expectedSigner: Curve25519.Signing.PublicKey, allowUnsigned: Bool = false) throws(VaultError) {
        guard Set(custodianKeys).count == custodianKeys.count else {
            throw .custodianShareRejected(reason: "backup \(backupID) lists the same custodian key more than once")
        }
        guard threshold >= 2 || (version == 1 && allowUnsigned) else {
            throw .custodianShareRejected(reason: "backup \(backupID) has threshold \(threshold); at least 2 is required")
        }
        if version == 1 {
            guard allowUnsigned else {
                throw .custodianShareRejected(
                    reason: "backup \(backupID) is an unsigned version-1 record; pass allowUnsigned only for a record you know is yours")
            }
            return
        }
        guard signerPublicKey == Array(expectedSigner.rawRepresentation) else {
            throw .custodianShareRejected(reason: "backup \(backupID) was signed by another key than the expected core key (substituted record?)")
        }
        guard expectedSigner.isValidSignature(signature, for: signedBytes()) else {
            throw .custodianShareRejected(reason: "backup \(backupID) signature does not verify (tampered or substituted record)")
        }
    }

    /// Custodian `index` opens its share with its private key; a tampered header or sealed share, or the wrong
    /// key, is refused.
    public func openShare(index: Int, privateKey: Curve25519.KeyAgreement.PrivateKey) throws -> Share {
        guard sealedShares.indices.contains(index), sealedShares[index].count > 32 + 28 else {
            throw VaultError.custodianShareRejected(reason: "backup \(backupID) has no sealed share \(index)")
        }
        let sealed = sealedShares[index]
        let ephemeral: Curve25519.KeyAgreement.PublicKey
        do { ephemeral = try .init(rawRepresentation: sealed[0..<32]) } catch {
            throw VaultError.custodianShareRejected(reason: "share \(index) of backup \(backupID) has an invalid ephemeral key")
        }
        let header = headerBytes()
        do {
            let key = try Self.sealingKey(privateKey.sharedSecretFromKeyAgreement(with: ephemeral),
                                          ephemeralPublic: Array(sealed[0..<32]), recipient: Array(privateKey.publicKey.rawRepresentation),
                                          header: header, index: index)
            var value = Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed[32...]), using: key,
                                               authenticating: header + [UInt8(index)]))
            defer { value.zeroize() }
            return Share(backupID: backupID, index: index, value: SecretBytes(value))
        } catch {
            throw VaultError.custodianShareRejected(
                reason: "share \(index) of backup \(backupID) did not decrypt: wrong custodian key, or the backup was tampered with")
        }
    }

    /// Recovers the root key from at least `threshold` shares, after checking the record's signature against
    /// `expectedSigner` (see `verify`). Every share is checked against its commitment; a wrong or tampered share
    /// is a typed error naming it, and the result is checked against the secret's commitment. Every temporary
    /// copy of a share or of the key is overwritten before it is released.
    public func recover(_ shares: [Share], expectedSigner: Curve25519.Signing.PublicKey,
                        allowUnsigned: Bool = false) throws -> SecretBytes {
        try verify(expectedSigner: expectedSigner, allowUnsigned: allowUnsigned)
        var seen = Set<Int>()
        var points: [ShamirGF256.Share] = []
        defer { for index in points.indices { points[index].y.zeroize() } }
        for share in shares {
            guard share.backupID == backupID else {
                throw VaultError.custodianShareRejected(reason: "share \(share.index) belongs to backup \(share.backupID), not \(backupID)")
            }
            guard shareCommitments.indices.contains(share.index), seen.insert(share.index).inserted else {
                throw VaultError.custodianShareRejected(reason: "share index \(share.index) is out of range or given twice")
            }
            var value = share.value.withUnsafeBytes { Array($0) }
            guard Self.shareCommitment(backupID: backupID, index: share.index, value: value) == shareCommitments[share.index] else {
                value.zeroize()
                throw VaultError.custodianShareRejected(reason: "share \(share.index) of backup \(backupID) does not match its commitment (wrong or tampered share)")
            }
            points.append(.init(x: UInt8(share.index + 1), y: value))
            value = []  // `points` now holds the only reference; it is zeroized in place on exit
        }
        guard points.count >= threshold else { throw VaultError.notEnoughShares(have: points.count, need: threshold) }
        var secret = try ShamirGF256.combine(Array(points.prefix(threshold)))
        defer { secret.zeroize() }
        guard Self.secretCommitment(backupID: backupID, secret: secret) == secretCommitment else {
            throw VaultError.custodianShareRejected(reason: "the shares of backup \(backupID) do not recombine to the committed root key")
        }
        return SecretBytes(secret)
    }

    // MARK: Commitments, header, key derivation

    static func shareCommitment(backupID: String, index: Int, value: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array("threshold-kms custodian share v1".utf8) + lengthPrefixed(Array(backupID.utf8))
            + [UInt8(truncatingIfNeeded: index)] + value))
    }

    static func secretCommitment(backupID: String, secret: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: Array("threshold-kms custodian secret v1".utf8) + lengthPrefixed(Array(backupID.utf8)) + secret))
    }

    static func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8(truncatingIfNeeded: bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes
    }

    func headerBytes() -> [UInt8] {
        Self.headerBytes(version: version, backupID: backupID, threshold: threshold, keys: custodianKeys,
                         commitments: shareCommitments, secretCommitment: secretCommitment, signer: signerPublicKey)
    }

    /// Version 1: `"KMSC" | 1 | id | k | m | keys | commitments | secret commitment`; version 2 appends the signer's
    /// public key, so the sealed shares also bind it.
    static func headerBytes(version: UInt8, backupID: String, threshold: Int, keys: [[UInt8]], commitments: [[UInt8]],
                            secretCommitment: [UInt8], signer: [UInt8]) -> [UInt8] {
        var header = Array("KMSC".utf8) + [version] + lengthPrefixed(Array(backupID.utf8))
        header += [UInt8(truncatingIfNeeded: threshold), UInt8(truncatingIfNeeded: keys.count)]
        for key in keys { header += lengthPrefixed(key) }
        for commitment in commitments { header += lengthPrefixed(commitment) }
        header += lengthPrefixed(secretCommitment)
        if version >= 2 { header += lengthPrefixed(signer) }
        return header
    }

    /// What the signature covers: a domain label, then the header and every sealed share (the whole record but
    /// the signature).
    func signedBytes() -> [UInt8] {
        sealedShares.reduce(Array("threshold-kms custodian backup record v2".utf8) + headerBytes()) { $0 + Self.lengthPrefixed($1) }
    }

    static func sealingKey(_ shared: SharedSecret, ephemeralPublic: [UInt8], recipient: [UInt8], header: [UInt8],
                           index: Int) -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: Array(SHA256.hash(data: header)),
                                       sharedInfo: Array("threshold-kms custodian seal v1".utf8) + ephemeralPublic + recipient + [UInt8(index)],
                                       outputByteCount: 32)
    }
}
