import Foundation
import Testing
@testable import Vault
import SecureMemory

/// The enclave root key against moto's KMS with attestation documents from a test root (NitroAttestationTests.TestCA).
/// Real KMS answers an attested Decrypt with `CiphertextForRecipient`; moto ignores `Recipient`, so the main tests go
/// through kms_recipient.py's proxy, which seals moto's answer to the document's public key with `openssl cms`.
@Suite struct EnclaveRootKeyTests {
    static func makeKey(ca: NitroAttestationTests.TestCA, documentPCRs: [Int: [UInt8]], endpoint: String? = nil,
                        replayNonce: [UInt8]? = nil, attestedKey: [UInt8]? = nil,
                        plaintextAnswer: EnclaveRootKey.PlaintextAnswer = .refuse) async throws -> EnclaveRootKey {
        let moto = try await AWSKMSRootKeyTests.freshKey()
        let client = try AWSKMSClient(region: "us-east-1", credentials: S3Credentials(accessKeyID: "testing", secretAccessKey: "testing"),
                                      endpoint: endpoint ?? moto.client.endpoint, allowInsecureHTTP: true)
        let kms = try AWSKMSRootKey(client: client, keyID: moto.keyID)
        let policy = NitroAttestationPolicy(root: ca.root, expectedPCRs: [0: NitroAttestationTests.pcrs[0]!,
                                                                          8: NitroAttestationTests.pcrs[8]!])
        let now = Date()
        return try EnclaveRootKey(kms: kms, policy: policy, attestation: { nonce, publicKey in
            try ca.sign(payload: ca.payload(timestamp: now - 5, pcrs: documentPCRs, nonce: replayNonce ?? nonce,
                                            publicKey: attestedKey ?? publicKey))
        }, plaintextAnswer: plaintextAnswer, clock: { now })
    }

    static func rejection(_ body: () async throws -> Void) async -> VaultError? {
        do { try await body() } catch let error as VaultError { return error } catch { Issue.record("\(error)") }
        return nil
    }

    /// Why unwrapping a freshly wrapped key is refused as an attestation problem (NitroAttestationTests.rejection).
    static func attestationRejection(_ rootKey: EnclaveRootKey, associatedData: [UInt8]) async throws -> String? {
        let wrapped = try await rootKey.wrap(dataKey: SecretBytes.random(count: 32), associatedData: associatedData)
        return await NitroAttestationTests.rejection { _ = try await rootKey.unwrap(wrapped, associatedData: associatedData) }
    }

    @Test func unwrapOpensKMSsEnvelopeForTheAttestedKey() async throws {
        let proxy = try KMSRecipientSupport.Proxy(requirePCR0: NitroAttestationTests.pcrs[0]!)
        defer { proxy.stop() }
        let ca = try NitroAttestationTests.TestCA(now: Date())
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs, endpoint: proxy.endpoint)
        #expect(rootKey.kind == "enclave")
        for _ in 0..<2 {
            let dataKey = SecretBytes.random(count: 32)
            let associatedData = TestSupport.randomBytes(40)
            let wrapped = try await rootKey.wrap(dataKey: dataKey, associatedData: associatedData)
            #expect(try await rootKey.unwrap(wrapped, associatedData: associatedData).constantTimeEquals(dataKey))
            await #expect(throws: VaultError.self) { _ = try await rootKey.unwrap(wrapped, associatedData: associatedData + [0]) }
        }
    }

    @Test func kmsPolicyRefusesAnotherImage() async throws {
        // The proxy requires a PCR0 the enclave does not have, as a key policy condition would.
        var otherPCR0 = NitroAttestationTests.pcrs[0]!
        otherPCR0[0] ^= 1
        let proxy = try KMSRecipientSupport.Proxy(requirePCR0: otherPCR0)
        defer { proxy.stop() }
        let ca = try NitroAttestationTests.TestCA(now: Date())
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs, endpoint: proxy.endpoint)
        let wrapped = try await rootKey.wrap(dataKey: SecretBytes.random(count: 32), associatedData: [3])
        let error = await Self.rejection { _ = try await rootKey.unwrap(wrapped, associatedData: [3]) }
        guard case .kmsError(_, let code, _)? = error else { Issue.record("expected AccessDenied, got \(String(describing: error))"); return }
        #expect(code == "AccessDeniedException")
    }

    @Test func plaintextAnswerIsRefusedUnlessAllowedForTesting() async throws {
        let ca = try NitroAttestationTests.TestCA(now: Date())
        let strict = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs)
        let dataKey = SecretBytes.random(count: 32)
        let wrapped = try await strict.wrap(dataKey: dataKey, associatedData: [4])
        let error = await Self.rejection { _ = try await strict.unwrap(wrapped, associatedData: [4]) }
        guard case .recipientEnvelopeRejected(let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("CiphertextForRecipient"))
        let lenient = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs, plaintextAnswer: .acceptForTesting)
        let wrappedForLenient = try await lenient.wrap(dataKey: dataKey, associatedData: [4])
        #expect(try await lenient.unwrap(wrappedForLenient, associatedData: [4]).constantTimeEquals(dataKey))
    }

    @Test func unwrapRefusesADocumentForAnotherRecipientKey() async throws {
        let ca = try NitroAttestationTests.TestCA(now: Date())
        let other = try EnclaveRecipientKey.generate()
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs, attestedKey: other.publicKeyDER)
        let reason = try await Self.attestationRejection(rootKey, associatedData: [5])
        #expect(reason?.contains("public_key") == true, "\(reason ?? "accepted")")
    }

    @Test func unwrapRefusesAnAttestationWithAnotherPCR() async throws {
        let ca = try NitroAttestationTests.TestCA(now: Date())
        var pcrs = NitroAttestationTests.pcrs
        pcrs[8]![3] ^= 0x40
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: pcrs)
        let reason = try await Self.attestationRejection(rootKey, associatedData: [1])
        #expect(reason?.contains("PCR8") == true, "\(reason ?? "accepted")")
    }

    @Test func unwrapRefusesAReplayedAttestation() async throws {
        let ca = try NitroAttestationTests.TestCA(now: Date())
        let rootKey = try await Self.makeKey(ca: ca, documentPCRs: NitroAttestationTests.pcrs,
                                             replayNonce: TestSupport.randomBytes(32))
        let reason = try await Self.attestationRejection(rootKey, associatedData: [2])
        #expect(reason?.contains("nonce") == true, "\(reason ?? "accepted")")
    }
}
