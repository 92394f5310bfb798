import Crypto
import Foundation
import Testing
@testable import Vault
import SecureMemory

@Suite struct CustodianBackupTests {
    // MARK: GF(2^8) and Shamir

    @Test func fieldMultiplicationMatchesFIPS197() {
        // FIPS-197 §4.2: {57} • {83} = {c1}, {57} • {13} = {fe}.
        #expect(ShamirGF256.multiply(0x57, 0x83) == 0xC1)
        #expect(ShamirGF256.multiply(0x57, 0x13) == 0xFE)
        for a in 1...255 {
            #expect(ShamirGF256.multiply(UInt8(a), ShamirGF256.inverse(UInt8(a))) == 1)
        }
    }

    static func subsets(of count: Int, size: Int) -> [[Int]] {
        (0..<(1 << count)).filter { $0.nonzeroBitCount == size }.map { mask in (0..<count).filter { mask & (1 << $0) != 0 } }
    }

    @Test func shamirRecoversFromEveryKSubsetAndNotFromFewer() throws {
        for _ in 0..<20 {
            let secret = TestSupport.randomBytes(Int.random(in: 1...48))
            let shares = try ShamirGF256.split(secret, threshold: 3, count: 5) { TestSupport.randomBytes($0) }
            for subset in Self.subsets(of: 5, size: 3) + Self.subsets(of: 5, size: 4) {
                #expect(try ShamirGF256.combine(subset.map { shares[$0] }) == secret)
            }
            // Two shares interpolate a line, not the secret (fails only with probability 256^-len).
            if secret.count >= 8 { #expect(try ShamirGF256.combine([shares[0], shares[1]]) != secret) }
        }
    }

    @Test func shamirOneOfOneAndFullThresholds() throws {
        let secret = TestSupport.randomBytes(32)
        #expect(try ShamirGF256.combine(ShamirGF256.split(secret, threshold: 1, count: 1) { TestSupport.randomBytes($0) }) == secret)
        let all = try ShamirGF256.split(secret, threshold: 7, count: 7) { TestSupport.randomBytes($0) }
        #expect(try ShamirGF256.combine(all.shuffled()) == secret)
        #expect(throws: VaultError.self) { try ShamirGF256.split(secret, threshold: 4, count: 3) { TestSupport.randomBytes($0) } }
        #expect(throws: VaultError.self) { try ShamirGF256.split(secret, threshold: 0, count: 3) { TestSupport.randomBytes($0) } }
    }

    // MARK: Custodian backup

    /// The core's long-term signing key in these tests.
    static let coreKeyBytes = Curve25519.Signing.PrivateKey().rawRepresentation
    static var core: Curve25519.Signing.PrivateKey { try! Curve25519.Signing.PrivateKey(rawRepresentation: coreKeyBytes) }
    static var signer: Curve25519.Signing.PublicKey { core.publicKey }

    static func makeBackup(threshold: Int, count: Int, backupID: String = "core-1/root-2026-11")
        throws -> (CustodianBackup, [Curve25519.KeyAgreement.PrivateKey], SecretBytes) {
        let custodians = (0..<count).map { _ in Curve25519.KeyAgreement.PrivateKey() }
        let rootKey = SecretBytes.random(count: 32)
        let backup = try CustodianBackup.create(rootKey: rootKey, backupID: backupID, threshold: threshold,
                                                custodians: custodians.map(\.publicKey), signingKey: core)
        return (backup, custodians, rootKey)
    }

    /// The same backup with other fields (tampering), keeping the signature.
    static func altered(_ backup: CustodianBackup, threshold: Int? = nil, shareCommitments: [[UInt8]]? = nil,
                        sealedShares: [[UInt8]]? = nil) -> CustodianBackup {
        CustodianBackup(version: backup.version, backupID: backup.backupID, threshold: threshold ?? backup.threshold,
                        custodianKeys: backup.custodianKeys, shareCommitments: shareCommitments ?? backup.shareCommitments,
                        secretCommitment: backup.secretCommitment, sealedShares: sealedShares ?? backup.sealedShares,
                        signerPublicKey: backup.signerPublicKey, signature: backup.signature)
    }

    @Test func everyThreeOfFiveSubsetRecoversTheRootKey() throws {
        let (backup, custodians, rootKey) = try Self.makeBackup(threshold: 3, count: 5)
        let shares = try custodians.indices.map { try backup.openShare(index: $0, privateKey: custodians[$0]) }
        for size in 3...5 {
            for subset in Self.subsets(of: 5, size: size) {
                #expect(try backup.recover(subset.map { shares[$0] }, expectedSigner: Self.signer).constantTimeEquals(rootKey))
            }
        }
        for subset in Self.subsets(of: 5, size: 2) {
            #expect(throws: VaultError.notEnoughShares(have: 2, need: 3)) { try backup.recover(subset.map { shares[$0] }, expectedSigner: Self.signer) }
        }
    }

    @Test func randomBackupsRoundTrip() throws {
        for _ in 0..<15 {
            let count = Int.random(in: 2...6)
            let threshold = Int.random(in: 2...count)
            let (backup, custodians, rootKey) = try Self.makeBackup(threshold: threshold, count: count)
            let chosen = Array(custodians.indices.shuffled().prefix(threshold))
            let shares = try chosen.map { try backup.openShare(index: $0, privateKey: custodians[$0]) }
            #expect(try backup.recover(shares, expectedSigner: Self.signer).constantTimeEquals(rootKey))
            // No sealed share contains its plain share value.
            for (position, index) in chosen.enumerated() {
                let plain = shares[position].value.withUnsafeBytes { Array($0) }
                #expect(!AWSKMSRootKeyTests.contains(backup.sealedShares[index], plain))
            }
        }
    }

    @Test func wrongCustodianKeyCannotOpenAShare() throws {
        let (backup, custodians, _) = try Self.makeBackup(threshold: 2, count: 3)
        #expect(throws: VaultError.self) { try backup.openShare(index: 0, privateKey: custodians[1]) }
        #expect(throws: VaultError.self) { try backup.openShare(index: 0, privateKey: Curve25519.KeyAgreement.PrivateKey()) }
        #expect(throws: VaultError.self) { try backup.openShare(index: 7, privateKey: custodians[0]) }
    }

    @Test func tamperedSealedShareOrHeaderIsRefused() throws {
        let (backup, custodians, _) = try Self.makeBackup(threshold: 2, count: 3)
        for position in stride(from: 0, to: backup.sealedShares[1].count, by: 5) {
            var sealed = backup.sealedShares
            sealed[1][position] ^= 0x10
            let tampered = Self.altered(backup, sealedShares: sealed)
            #expect(throws: VaultError.self) { try tampered.openShare(index: 1, privateKey: custodians[1]) }
        }
        var commitments = backup.shareCommitments
        commitments[2][0] ^= 1
        let otherHeader = Self.altered(backup, shareCommitments: commitments)
        #expect(throws: VaultError.self) { try otherHeader.openShare(index: 1, privateKey: custodians[1]) }
    }

    @Test func wrongOrTamperedSharesAreRefusedWithTheirIndex() throws {
        let (backup, custodians, rootKey) = try Self.makeBackup(threshold: 3, count: 5)
        let shares = try custodians.indices.map { try backup.openShare(index: $0, privateKey: custodians[$0]) }
        for byte in [0, 13, 31] {
            var value = shares[2].value.withUnsafeBytes { Array($0) }
            value[byte] ^= 0x01
            let bad = CustodianBackup.Share(backupID: backup.backupID, index: 2, value: SecretBytes(value))
            do {
                _ = try backup.recover([shares[0], shares[1], bad], expectedSigner: Self.signer)
                Issue.record("a tampered share was accepted")
            } catch let error as VaultError {
                guard case .custodianShareRejected(let reason) = error else { Issue.record("\(error)"); continue }
                #expect(reason.contains("share 2"))
                #expect(reason.contains("commitment"))
            }
        }
        // A share of another backup, a share relabelled to another index, a duplicated share.
        let (other, otherCustodians, _) = try Self.makeBackup(threshold: 3, count: 5)
        let foreign = try other.openShare(index: 0, privateKey: otherCustodians[0])
        #expect(throws: VaultError.self) { try backup.recover([foreign, shares[1], shares[2]], expectedSigner: Self.signer) }
        let relabelled = CustodianBackup.Share(backupID: backup.backupID, index: 4, value: shares[3].value)
        #expect(throws: VaultError.self) { try backup.recover([shares[0], shares[1], relabelled], expectedSigner: Self.signer) }
        #expect(throws: VaultError.self) { try backup.recover([shares[0], shares[0], shares[1]], expectedSigner: Self.signer) }
        // Honest shares still work after all the refusals.
        #expect(try backup.recover([shares[4], shares[0], shares[3]], expectedSigner: Self.signer).constantTimeEquals(rootKey))
    }

    @Test func forgedCommitmentsStillFailTheSecretCommitment() throws {
        let (backup, custodians, _) = try Self.makeBackup(threshold: 2, count: 3)
        let shares = try custodians.indices.map { try backup.openShare(index: $0, privateKey: custodians[$0]) }
        var value = shares[1].value.withUnsafeBytes { Array($0) }
        value[0] ^= 0x80
        var commitments = backup.shareCommitments
        commitments[1] = CustodianBackup.shareCommitment(backupID: backup.backupID, index: 1, value: value)
        let forged = Self.altered(backup, shareCommitments: commitments)
        let bad = CustodianBackup.Share(backupID: backup.backupID, index: 1, value: SecretBytes(value))
        #expect(throws: VaultError.self) { try forged.recover([shares[0], bad], expectedSigner: Self.signer) }
    }

    @Test func serializedBackupRoundTripsAndMalformedRecordsAreRefused() throws {
        let (backup, custodians, rootKey) = try Self.makeBackup(threshold: 2, count: 4)
        let record = backup.serialized()
        let decoded = try CustodianBackup(serialized: record, expectedSigner: Self.signer)
        #expect(decoded == backup)
        let shares = try [3, 1].map { try decoded.openShare(index: $0, privateKey: custodians[$0]) }
        #expect(try decoded.recover(shares, expectedSigner: Self.signer).constantTimeEquals(rootKey))
        for length in [0, 4, 5, 40, record.count / 2, record.count - 1] {
            #expect(throws: VaultError.self) { try CustodianBackup(serialized: Array(record.prefix(length)), expectedSigner: Self.signer) }
        }
        #expect(throws: VaultError.self) { try CustodianBackup(serialized: record + [0], expectedSigner: Self.signer) }
        var wrongMagic = record
        wrongMagic[0] ^= 1
        #expect(throws: VaultError.self) { try CustodianBackup(serialized: wrongMagic, expectedSigner: Self.signer) }
    }

    // MARK: Issue 15: threshold, distinct custodians, signature, legacy records, wiping

    @Test func thresholdOneAndDuplicateCustodiansAreRefused() throws {
        let keys = (0..<3).map { _ in Curve25519.KeyAgreement.PrivateKey().publicKey }
        for (threshold, custodians) in [(1, keys), (1, [keys[0]]), (2, [keys[0], keys[0], keys[1]]), (3, [keys[0], keys[1], keys[0]]), (4, keys)] {
            #expect(throws: VaultError.self) {
                try CustodianBackup.create(rootKey: SecretBytes.random(count: 32), backupID: "b", threshold: threshold,
                                           custodians: custodians, signingKey: Self.core)
            }
        }
        // A record whose header says k = 1 (made before the rule, or edited) is refused at load and recovery.
        let (backup, custodians, _) = try Self.makeBackup(threshold: 2, count: 3)
        let lowered = Self.altered(backup, threshold: 1)
        let share = try backup.openShare(index: 0, privateKey: custodians[0])
        #expect(throws: VaultError.self) { try lowered.recover([share], expectedSigner: Self.signer) }
    }

    /// Whoever can replace the stored record makes a backup of their own key for the same custodians; the
    /// custodians' shares would then recover the attacker's key. The signature check refuses it.
    @Test func substitutedOrTamperedRecordIsRefused() throws {
        let (backup, custodians, rootKey) = try Self.makeBackup(threshold: 2, count: 3)
        let attacker = Curve25519.Signing.PrivateKey()
        let substituted = try CustodianBackup.create(rootKey: SecretBytes.random(count: 32), backupID: backup.backupID, threshold: 2,
                                                     custodians: custodians.map(\.publicKey), signingKey: attacker)
        #expect(throws: VaultError.self) { try CustodianBackup(serialized: substituted.serialized(), expectedSigner: Self.signer) }
        let shares = try [0, 2].map { try substituted.openShare(index: $0, privateKey: custodians[$0]) }
        #expect(throws: VaultError.self) { try substituted.recover(shares, expectedSigner: Self.signer) }
        // The attacker's record with our public key written in: the signature does not verify, and the sealed
        // shares (which bind the signer key) no longer open.
        var record = substituted.serialized()
        let signerOffset = try #require(Self.offset(of: substituted.signerPublicKey, in: record))
        record.replaceSubrange(signerOffset..<signerOffset + 32, with: Array(Self.signer.rawRepresentation))
        #expect(throws: VaultError.self) { try CustodianBackup(serialized: record, expectedSigner: Self.signer) }
        // Every single-byte change of the genuine record is refused.
        let genuine = backup.serialized()
        for position in stride(from: 0, to: genuine.count, by: 7) {
            var tampered = genuine
            tampered[position] ^= 0x01
            #expect(throws: VaultError.self) { try CustodianBackup(serialized: tampered, expectedSigner: Self.signer) }
        }
        // The genuine record loads and recovers.
        let loaded = try CustodianBackup(serialized: genuine, expectedSigner: Self.signer)
        let mine = try [1, 2].map { try loaded.openShare(index: $0, privateKey: custodians[$0]) }
        #expect(try loaded.recover(mine, expectedSigner: Self.signer).constantTimeEquals(rootKey))
    }

    /// A version-1 record (written before records were signed) loads only with `allowUnsigned`.
    @Test func legacyUnsignedRecordLoadsOnlyWithAllowUnsigned() throws {
        // A version-1 record as the old code wrote it: header v1, sealed shares bound to that header, no signature.
        let custodians = (0..<3).map { _ in Curve25519.KeyAgreement.PrivateKey() }
        var secret = TestSupport.randomBytes(32)
        let backupID = "core-1/root-2025-01"
        let shares = try ShamirGF256.split(secret, threshold: 2, count: 3) { TestSupport.randomBytes($0) }
        let keys = custodians.map { Array($0.publicKey.rawRepresentation) }
        let commitments = shares.map { CustodianBackup.shareCommitment(backupID: backupID, index: Int($0.x) - 1, value: $0.y) }
        let secretCommitment = CustodianBackup.secretCommitment(backupID: backupID, secret: secret)
        let header = CustodianBackup.headerBytes(version: 1, backupID: backupID, threshold: 2, keys: keys, commitments: commitments,
                                                 secretCommitment: secretCommitment, signer: [])
        var record = header
        for (index, custodian) in custodians.enumerated() {
            let ephemeral = Curve25519.KeyAgreement.PrivateKey()
            let key = try CustodianBackup.sealingKey(ephemeral.sharedSecretFromKeyAgreement(with: custodian.publicKey),
                                                     ephemeralPublic: Array(ephemeral.publicKey.rawRepresentation),
                                                     recipient: keys[index], header: header, index: index)
            let box = try AES.GCM.seal(shares[index].y, using: key, authenticating: header + [UInt8(index)])
            record += CustodianBackup.lengthPrefixed(Array(ephemeral.publicKey.rawRepresentation) + Array(box.combined!))
        }
        #expect(record.prefix(5) == Array("KMSC".utf8)[...] + [1])
        #expect(throws: VaultError.self) { try CustodianBackup(serialized: record, expectedSigner: Self.signer) }
        let legacy = try CustodianBackup(serialized: record, expectedSigner: Self.signer, allowUnsigned: true)
        #expect(legacy.version == 1 && legacy.signature.isEmpty)
        #expect(legacy.serialized() == record)
        let opened = try [2, 0].map { try legacy.openShare(index: $0, privateKey: custodians[$0]) }
        #expect(throws: VaultError.self) { try legacy.recover(opened, expectedSigner: Self.signer) }
        #expect(try legacy.recover(opened, expectedSigner: Self.signer, allowUnsigned: true).withUnsafeBytes { Array($0) } == secret)
        secret.zeroize()
    }

    /// Temporary copies are wiped in place (the old code assigned a fresh zero array, which released the
    /// original storage with the secret still in it).
    @Test func temporaryCopiesAreOverwrittenInPlace() {
        var copy = TestSupport.randomBytes(32)
        let before = copy.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        copy.zeroize()
        #expect(copy.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == before)
        #expect(copy.allSatisfy { $0 == 0 })
        var share = ShamirGF256.Share(x: 1, y: TestSupport.randomBytes(32))
        let shareStorage = share.y.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        share.y.zeroize()
        #expect(share.y.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == shareStorage)
        #expect(share.y == [UInt8](repeating: 0, count: 32))
    }

    static func offset(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    /// Cross-check against Python `galois` (not written here): Swift-made shares are interpolated at 0 by
    /// galois.lagrange_poly over GF(2^8) with the same polynomial 0x11B and must give back the secret.
    @Test func galoisInterpolatesSwiftSharesToTheSecret() throws {
        var lines: [String] = []
        var secrets: [[UInt8]] = []
        for _ in 0..<6 {
            let secret = TestSupport.randomBytes(16)
            let threshold = Int.random(in: 2...4)
            let shares = try ShamirGF256.split(secret, threshold: threshold, count: 5) { TestSupport.randomBytes($0) }
            let chosen = Array(shares.shuffled().prefix(threshold))
            secrets.append(secret)
            lines.append(chosen.map { "\($0.x):" + $0.y.map(String.init).joined(separator: ",") }.joined(separator: ";"))
        }
        let script = """
        import sys, galois
        GF = galois.GF(2**8, irreducible_poly=0x11b)
        for line in sys.argv[1:]:
            points = [(int(x), [int(v) for v in ys.split(",")]) for x, ys in (p.split(":") for p in line.split(";"))]
            xs = GF([x for x, _ in points])
            out = [int(galois.lagrange_poly(xs, GF([ys[i] for _, ys in points]))(GF(0))) for i in range(len(points[0][1]))]
            print(",".join(map(str, out)))
        """
        let result = try TestSupport.run(try TestSupport.python3(), ["-c", script] + lines)
        #expect(result.status == 0, "python3 galois failed (pip install galois): \(result.standardError)")
        let answers = result.standardOutput.split(separator: "\n").map { $0.split(separator: ",").compactMap { UInt8($0) } }
        #expect(answers == secrets)
    }
}
