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

    static func makeBackup(threshold: Int, count: Int)
        throws -> (CustodianBackup, [Curve25519.KeyAgreement.PrivateKey], SecretBytes) {
        let custodians = (0..<count).map { _ in Curve25519.KeyAgreement.PrivateKey() }
        let rootKey = SecretBytes.random(count: 32)
        let backup = try CustodianBackup.create(rootKey: rootKey, backupID: "core-1/root-2026-11", threshold: threshold,
                                                custodians: custodians.map(\.publicKey))
        return (backup, custodians, rootKey)
    }

    @Test func everyThreeOfFiveSubsetRecoversTheRootKey() throws {
        let (backup, custodians, rootKey) = try Self.makeBackup(threshold: 3, count: 5)
        let shares = try custodians.indices.map { try backup.openShare(index: $0, privateKey: custodians[$0]) }
        for size in 3...5 {
            for subset in Self.subsets(of: 5, size: size) {
                #expect(try backup.recover(subset.map { shares[$0] }).constantTimeEquals(rootKey))
            }
        }
        for subset in Self.subsets(of: 5, size: 2) {
            #expect(throws: VaultError.notEnoughShares(have: 2, need: 3)) { try backup.recover(subset.map { shares[$0] }) }
        }
    }

    @Test func randomBackupsRoundTrip() throws {
        for _ in 0..<15 {
            let count = Int.random(in: 1...6)
            let threshold = Int.random(in: 1...count)
            let (backup, custodians, rootKey) = try Self.makeBackup(threshold: threshold, count: count)
            let chosen = Array(custodians.indices.shuffled().prefix(threshold))
            let shares = try chosen.map { try backup.openShare(index: $0, privateKey: custodians[$0]) }
            #expect(try backup.recover(shares).constantTimeEquals(rootKey))
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
            let tampered = CustodianBackup(backupID: backup.backupID, threshold: backup.threshold, custodianKeys: backup.custodianKeys,
                                           shareCommitments: backup.shareCommitments, secretCommitment: backup.secretCommitment,
                                           sealedShares: sealed)
            #expect(throws: VaultError.self) { try tampered.openShare(index: 1, privateKey: custodians[1]) }
        }
        var commitments = backup.shareCommitments
        commitments[2][0] ^= 1
        let otherHeader = CustodianBackup(backupID: backup.backupID, threshold: backup.threshold, custodianKeys: backup.custodianKeys,
                                          shareCommitments: commitments, secretCommitment: backup.secretCommitment,
                                          sealedShares: backup.sealedShares)
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
                _ = try backup.recover([shares[0], shares[1], bad])
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
        #expect(throws: VaultError.self) { try backup.recover([foreign, shares[1], shares[2]]) }
        let relabelled = CustodianBackup.Share(backupID: backup.backupID, index: 4, value: shares[3].value)
        #expect(throws: VaultError.self) { try backup.recover([shares[0], shares[1], relabelled]) }
        #expect(throws: VaultError.self) { try backup.recover([shares[0], shares[0], shares[1]]) }
        // Honest shares still work after all the refusals.
        #expect(try backup.recover([shares[4], shares[0], shares[3]]).constantTimeEquals(rootKey))
    }

    @Test func forgedCommitmentsStillFailTheSecretCommitment() throws {
        let (backup, custodians, _) = try Self.makeBackup(threshold: 2, count: 3)
        let shares = try custodians.indices.map { try backup.openShare(index: $0, privateKey: custodians[$0]) }
        var value = shares[1].value.withUnsafeBytes { Array($0) }
        value[0] ^= 0x80
        var commitments = backup.shareCommitments
        commitments[1] = CustodianBackup.shareCommitment(backupID: backup.backupID, index: 1, value: value)
        let forged = CustodianBackup(backupID: backup.backupID, threshold: 2, custodianKeys: backup.custodianKeys,
                                     shareCommitments: commitments, secretCommitment: backup.secretCommitment,
                                     sealedShares: backup.sealedShares)
        let bad = CustodianBackup.Share(backupID: backup.backupID, index: 1, value: SecretBytes(value))
        #expect(throws: VaultError.self) { try forged.recover([shares[0], bad]) }
    }

    @Test func serializedBackupRoundTripsAndMalformedRecordsAreRefused() throws {
        let (backup, custodians, rootKey) = try Self.makeBackup(threshold: 2, count: 4)
        let record = backup.serialized()
        let decoded = try CustodianBackup(serialized: record)
        #expect(decoded == backup)
        let shares = try [3, 1].map { try decoded.openShare(index: $0, privateKey: custodians[$0]) }
        #expect(try decoded.recover(shares).constantTimeEquals(rootKey))
        for length in [0, 4, 5, 40, record.count / 2, record.count - 1] {
            #expect(throws: VaultError.self) { try CustodianBackup(serialized: Array(record.prefix(length))) }
        }
        #expect(throws: VaultError.self) { try CustodianBackup(serialized: record + [0]) }
        var wrongMagic = record
        wrongMagic[0] ^= 1
        #expect(throws: VaultError.self) { try CustodianBackup(serialized: wrongMagic) }
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
