import Foundation
import Testing
@testable import Vault

/// The enclave root key against moto's KMS with attestation documents from a test root (NitroAttestationTests.TestCA).
/// moto accepts but ignores `Recipient` (it answers with Plaintext), so the KMS-side attestation check is not
/// exercised here; the local verification before the call is.
@Suite struct EnclaveRootKeyTests {
    static func makeKey(ca: NitroAttestationTests.TestCA, documentPCRs: [Int: [UInt8]],
                        replayNonce: [UInt8]? = nil) async throws -> EnclaveRootKey {
        let kms = try await AWSKMSRootKeyTests.freshKey()
        let policy = NitroAttestationPolicy(root: ca.root, expectedPCRs: [0: NitroAttestationTests.pcrs[0]!,
                                                                          8: NitroAttestationTests.pcrs[8]!])
        let now = Date()
        return EnclaveRootKey(kms: kms, policy: policy, attestation: { nonce in
            try ca.sign(payload: ca.payload(timestamp: now - 5, pcrs: documentPCRs, nonce: replayNonce ?? nonce))
        }, clock: { now })
    }

    @Test func unwrapWithAValidAttestationRoundTrips() async throws {
        let ca = try NitroAttestationTests.TestCA(now: Date())
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs)
        #expect(rootKey.kind == "enclave")
        for _ in 0..<3 {
            let dataKey = SecretBytes.random(count: 32)
            let associatedData = TestSupport.randomBytes(40)
            let wrapped = try await rootKey.wrap(dataKey: dataKey, associatedData: associatedData)
            #expect(try await rootKey.unwrap(wrapped, associatedData: associatedData).constantTimeEquals(dataKey))
            await #expect(throws: VaultError.self) { _ = try await rootKey.unwrap(wrapped, associatedData: associatedData + [0]) }
        }
    }

    @Test func unwrapRefusesAnAttestationWithAnotherPCR() async throws {
        let ca = try NitroAttestationTests.TestCA(now: Date())
        var pcrs = NitroAttestationTests.pcrs
        pcrs[8]![3] ^= 0x40
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: pcrs)
        let wrapped = try await rootKey.wrap(dataKey: SecretBytes.random(count: 32), associatedData: [1])
        do {
            _ = try await rootKey.unwrap(wrapped, associatedData: [1])
            Issue.record("unwrap with a wrong PCR succeeded")
        } catch let error as VaultError {
            guard case .attestationRejected(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("PCR8"))
        }
    }

    @Test func unwrapRefusesAReplayedAttestation() async throws {
        let ca = try NitroAttestationTests.TestCA(now: Date())
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs,
                                             replayNonce: TestSupport.randomBytes(32))
        let wrapped = try await rootKey.wrap(dataKey: SecretBytes.random(count: 32), associatedData: [2])
        do {
            _ = try await rootKey.unwrap(wrapped, associatedData: [2])
            Issue.record("unwrap with a replayed attestation succeeded")
        } catch let error as VaultError {
            guard case .attestationRejected(let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("nonce"))
        }
    }
}
