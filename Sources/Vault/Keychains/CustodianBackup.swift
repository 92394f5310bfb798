import Crypto
import Foundation
import SecureMemory

/// A custodian backup of a root key (issue 5 item 4; TrustBloc-style Shamir unlock): the key is split k-of-m
/// with `ShamirGF256`, and share i is encrypted to custodian i's X25519 public key (ephemeral X25519 →
/// HKDF-SHA256 → AES-256-GCM, an ECIES construction). The header — backup id, k, m, custodian keys, a SHA-256
/// commitment to every share and one to the secret — is the associated data of every sealed share, so a custodian
/// opening a share also authenticates the header, and recovery refuses any share that does not match its
/// commitment, and any combination that does not match the secret's commitment.
public struct CustodianBackup: Sendable, Equatable {
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

    /// A share as a custodian hands it back for recovery.
    public struct Share: Sendable {
        public let backupID: String
        public let index: Int
        public let value: SecretBytes
        public init(backupID: String, index: Int, value: SecretBytes) {
            self.backupID = backupID; self.index = index; self.value = value
        }
    }

    /// Splits `rootKey` for `custodians` (k = `threshold`), each share sealed to its custodian.
    public static func create(rootKey: SecretBytes, backupID: String, threshold: Int,
                              custodians: [Curve25519.KeyAgreement.PublicKey]) throws -> CustodianBackup {
        guard !backupID.isEmpty, backupID.utf8.count <= 256 else {
            throw VaultError.invalidConfiguration("custodian backup id must be 1…256 bytes")
        }
        let secret = rootKey.withUnsafeBytes { Array($0) }
        var shares = try ShamirGF256.split(secret, threshold: threshold, count: custodians.count) { count in
            SecretBytes.random(count: count).withUnsafeBytes { Array($0) }
        }
        defer { for index in shares.indices { shares[index].y = [UInt8](repeating: 0, count: shares[index].y.count) } }
        let keys = custodians.map { Array($0.rawRepresentation) }
        let commitments = shares.map { shareCommitment(backupID: backupID, index: Int($0.x) - 1, value: $0.y) }
        let secretCommitment = Self.secretCommitment(backupID: backupID, secret: secret)
        let header = headerBytes(backupID: backupID, threshold: threshold, keys: keys, commitments: commitments,
                                 secretCommitment: secretCommitment)
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
        return CustodianBackup(backupID: backupID, threshold: threshold, custodianKeys: keys,
                               shareCommitments: commitments, secretCommitment: secretCommitment, sealedShares: sealed)
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
            defer { for byte in value.indices { value[byte] = 0 } }
            return Share(backupID: backupID, index: index, value: SecretBytes(value))
        } catch {
            throw VaultError.custodianShareRejected(
                reason: "share \(index) of backup \(backupID) did not decrypt: wrong custodian key, or the backup was tampered with")
        }
    }

    /// Recovers the root key from at least `threshold` shares. Every share is checked against its commitment;
    /// a wrong or tampered share is a typed error naming it, and the result is checked against the secret's
    /// commitment.
    public func recover(_ shares: [Share]) throws -> SecretBytes {
        var seen = Set<Int>()
        var points: [ShamirGF256.Share] = []
        defer { for index in points.indices { points[index].y = [UInt8](repeating: 0, count: points[index].y.count) } }
        for share in shares {
            guard share.backupID == backupID else {
                throw VaultError.custodianShareRejected(reason: "share \(share.index) belongs to backup \(share.backupID), not \(backupID)")
            }
            guard shareCommitments.indices.contains(share.index), seen.insert(share.index).inserted else {
                throw VaultError.custodianShareRejected(reason: "share index \(share.index) is out of range or given twice")
            }
            let value = share.value.withUnsafeBytes { Array($0) }
            guard Self.shareCommitment(backupID: backupID, index: share.index, value: value) == shareCommitments[share.index] else {
                throw VaultError.custodianShareRejected(reason: "share \(share.index) of backup \(backupID) does not match its commitment (wrong or tampered share)")
            }
            points.append(.init(x: UInt8(share.index + 1), y: value))
        }
        guard points.count >= threshold else { throw VaultError.notEnoughShares(have: points.count, need: threshold) }
        var secret = try ShamirGF256.combine(Array(points.prefix(threshold)))
        defer { for index in secret.indices { secret[index] = 0 } }
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
        Self.headerBytes(backupID: backupID, threshold: threshold, keys: custodianKeys, commitments: shareCommitments,
                         secretCommitment: secretCommitment)
    }

    static func headerBytes(backupID: String, threshold: Int, keys: [[UInt8]], commitments: [[UInt8]],
                            secretCommitment: [UInt8]) -> [UInt8] {
        var header = Array("KMSC".utf8) + [1] + lengthPrefixed(Array(backupID.utf8))
        header += [UInt8(truncatingIfNeeded: threshold), UInt8(truncatingIfNeeded: keys.count)]
        for key in keys { header += lengthPrefixed(key) }
        for commitment in commitments { header += lengthPrefixed(commitment) }
        return header + lengthPrefixed(secretCommitment)
    }

    static func sealingKey(_ shared: SharedSecret, ephemeralPublic: [UInt8], recipient: [UInt8], header: [UInt8],
                           index: Int) -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: Array(SHA256.hash(data: header)),
                                       sharedInfo: Array("threshold-kms custodian seal v1".utf8) + ephemeralPublic + recipient + [UInt8(index)],
                                       outputByteCount: 32)
    }
}
