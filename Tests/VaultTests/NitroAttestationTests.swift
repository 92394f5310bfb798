import Crypto
import Foundation
import Testing
import SwiftASN1
import X509
@testable import Vault

/// Attestation documents made here: a test root CA (P-384) → intermediate → signing certificate, a tiny CBOR
/// encoder, COSE_Sign1 signed with the signing key.
@Suite struct NitroAttestationTests {
    /// Independent CBOR encoder for tests (shortest form, definite lengths).
    static func encode(_ value: CBORValue) -> [UInt8] {
        func head(_ major: UInt8, _ value: UInt64) -> [UInt8] {
            let type = major << 5
            if value < 24 { return [type | UInt8(value)] }
            if value < 256 { return [type | 24, UInt8(value)] }
            if value < 65536 { return [type | 25, UInt8(value >> 8), UInt8(value & 0xFF)] }
            if value < 1 << 32 { return [type | 26] + [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
            return [type | 27] + [56, 48, 40, 32, 24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) }
        }
        switch value {
        case .unsigned(let n): return head(0, n)
        case .negative(let n): return head(1, n)
        case .bytes(let b): return head(2, UInt64(b.count)) + b
        case .text(let t): return head(3, UInt64(t.utf8.count)) + Array(t.utf8)
        case .array(let items): return head(4, UInt64(items.count)) + items.flatMap { encode($0) }
        case .map(let entries): return head(5, UInt64(entries.count)) + entries.flatMap { encode($0.key) + encode($0.value) }
        case .tagged(let tag, let inner): return head(6, tag) + encode(inner)
        case .bool(let b): return [b ? 0xF5 : 0xF4]
        case .null: return [0xF6]
        }
    }

    struct TestCA: Sendable {
        let root: Certificate
        let intermediate: Certificate
        let leaf: Certificate
        let leafKeyBytes: [UInt8]

        init(now: Date) throws {
            let rootKey = P384.Signing.PrivateKey(), intermediateKey = P384.Signing.PrivateKey()
            let leafKey = P384.Signing.PrivateKey()
            leafKeyBytes = Array(leafKey.rawRepresentation)
            let rootName = try DistinguishedName { CommonName("Test Nitro Root \(UUID().uuidString)") }
            let intermediateName = try DistinguishedName { CommonName("Test Nitro Intermediate") }
            let leafName = try DistinguishedName { CommonName("i-test.enclave") }
            let caExtensions = try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true))
            }
            root = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(rootKey.publicKey),
                                   notValidBefore: now - 86400, notValidAfter: now + 86400 * 30, issuer: rootName,
                                   subject: rootName, signatureAlgorithm: .ecdsaWithSHA384, extensions: caExtensions,
                                   issuerPrivateKey: .init(rootKey))
            intermediate = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(intermediateKey.publicKey),
                                           notValidBefore: now - 86400, notValidAfter: now + 86400 * 10, issuer: rootName,
                                           subject: intermediateName, signatureAlgorithm: .ecdsaWithSHA384,
                                           extensions: caExtensions, issuerPrivateKey: .init(rootKey))
            leaf = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(leafKey.publicKey),
                                   notValidBefore: now - 600, notValidAfter: now + 3 * 3600, issuer: intermediateName,
                                   subject: leafName, signatureAlgorithm: .ecdsaWithSHA384,
                                   extensions: try Certificate.Extensions {
                                       Critical(BasicConstraints.notCertificateAuthority)
                                       Critical(KeyUsage(digitalSignature: true))
                                   }, issuerPrivateKey: .init(intermediateKey))
        }

        static func der(_ certificate: Certificate) throws -> [UInt8] {
            try certificate.serializeAsPEM().derBytes
        }

        func payload(timestamp: Date, pcrs: [Int: [UInt8]], nonce: [UInt8]?, publicKey: [UInt8]? = nil) throws -> [UInt8] {
            let entries: [(String, CBORValue)] = [
                ("module_id", .text("i-0123456789abcdef0-enc0123456789abcdef")),
                ("digest", .text("SHA384")),
                ("timestamp", .unsigned(UInt64(timestamp.timeIntervalSince1970 * 1000))),
                ("pcrs", .map(pcrs.sorted { $0.key < $1.key }.map { CBORMapEntry(key: .unsigned(UInt64($0.key)), value: .bytes($0.value)) })),
                ("certificate", .bytes(try Self.der(leaf))),
                ("cabundle", .array([.bytes(try Self.der(root)), .bytes(try Self.der(intermediate))])),
                ("public_key", publicKey.map { .bytes($0) } ?? .null),
                ("user_data", .bytes(Array("core-1".utf8))),
                ("nonce", nonce.map { .bytes($0) } ?? .null),
            ]
            return NitroAttestationTests.encode(.map(entries.map { CBORMapEntry(key: .text($0.0), value: $0.1) }))
        }

        func sign(payload: [UInt8], tagged: Bool = true) throws -> [UInt8] {
            let protected = NitroAttestationTests.encode(.map([CBORMapEntry(key: .unsigned(1), value: .negative(34))]))
            let toBeSigned = NitroAttestationTests.encode(.array([.text("Signature1"), .bytes(protected), .bytes([]), .bytes(payload)]))
            let signature = try P384.Signing.PrivateKey(rawRepresentation: leafKeyBytes).signature(for: toBeSigned).rawRepresentation
            let sign1 = CBORValue.array([.bytes(protected), .map([]), .bytes(payload), .bytes(Array(signature))])
            return NitroAttestationTests.encode(tagged ? .tagged(18, sign1) : sign1)
        }
    }

    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    /// The nonce of documents whose nonce a test does not vary.
    static let fixedNonce: [UInt8] = Array(0..<32)
    static let pcrs: [Int: [UInt8]] = [0: Array(repeating: 0xA0, count: 48), 1: Array(repeating: 0xA1, count: 48),
                                       2: Array(repeating: 0xA2, count: 48), 8: Array(repeating: 0x08, count: 48)]

    /// Why `verify` refused `document` under `root`, `expectedPCRs` and `nonce` at `now` (nil: accepted).
    static func verifyRejection(_ document: [UInt8], root: Certificate, expectedPCRs: [Int: [UInt8]] = [0: pcrs[0]!],
                                nonce: [UInt8] = NitroAttestationTests.fixedNonce) async -> String? {
        await rejection {
            _ = try await NitroAttestation.verify(document, policy: .init(root: root, expectedPCRs: expectedPCRs),
                                                  expectedNonce: nonce, now: now)
        }
    }

    static func rejection(_ body: () async throws -> Void) async -> String? {
        do { try await body(); return nil } catch let error as VaultError {
            if case .attestationRejected(let reason) = error { return reason }
            return "unexpected error \(error)"
        } catch { return "unexpected error \(error)" }
    }

    @Test func documentFromTheTestRootIsAccepted() async throws {
        let ca = try TestCA(now: Self.now)
        let nonce = TestSupport.randomBytes(32)
        for tagged in [true, false] {
            let document = try ca.sign(payload: ca.payload(timestamp: Self.now - 20, pcrs: Self.pcrs, nonce: nonce), tagged: tagged)
            let policy = NitroAttestationPolicy(root: ca.root, expectedPCRs: [0: Self.pcrs[0]!, 8: Self.pcrs[8]!])
            let verified = try await NitroAttestation.verify(document, policy: policy, expectedNonce: nonce, now: Self.now)
            #expect(verified.pcrs == Self.pcrs)
            #expect(verified.nonce == nonce)
            #expect(verified.userData == Array("core-1".utf8))
            #expect(verified.publicKey == nil)
        }
    }

    @Test func anotherRootIsRefused() async throws {
        let ca = try TestCA(now: Self.now), other = try TestCA(now: Self.now)
        let document = try ca.sign(payload: ca.payload(timestamp: Self.now, pcrs: Self.pcrs, nonce: Self.fixedNonce))
        let reason = await Self.verifyRejection(document, root: other.root)
        #expect(reason?.contains("certificate chain") == true, "\(reason ?? "accepted")")
    }

    @Test func wrongPCRIsRefused() async throws {
        let ca = try TestCA(now: Self.now)
        let document = try ca.sign(payload: ca.payload(timestamp: Self.now, pcrs: Self.pcrs, nonce: Self.fixedNonce))
        for index in [0, 2, 8] {
            var expected = Self.pcrs[index]!
            expected[Int.random(in: 0..<48)] ^= 0x01
            let reason = await Self.verifyRejection(document, root: ca.root, expectedPCRs: [index: expected])
            #expect(reason?.contains("PCR\(index)") == true, "\(reason ?? "accepted")")
        }
        let missing = await Self.verifyRejection(document, root: ca.root, expectedPCRs: [4: Self.pcrs[0]!])
        #expect(missing?.contains("PCR4") == true)
    }

    @Test func staleOrFutureTimestampIsRefused() async throws {
        let ca = try TestCA(now: Self.now)
        for (issued, word) in [(Self.now - 301, "stale"), (Self.now - 7200, "stale"), (Self.now + 120, "future")] {
            let document = try ca.sign(payload: ca.payload(timestamp: issued, pcrs: Self.pcrs, nonce: Self.fixedNonce))
            let reason = await Self.verifyRejection(document, root: ca.root)
            #expect(reason?.contains(word) == true, "\(reason ?? "accepted")")
        }
    }

    @Test func wrongOrMissingNonceIsRefused() async throws {
        let ca = try TestCA(now: Self.now)
        let nonce = TestSupport.randomBytes(16)
        for documentNonce in [TestSupport.randomBytes(16), nil] as [[UInt8]?] {
            let document = try ca.sign(payload: ca.payload(timestamp: Self.now, pcrs: Self.pcrs, nonce: documentNonce))
            let reason = await Self.verifyRejection(document, root: ca.root, nonce: nonce)
            #expect(reason?.contains("nonce") == true, "\(reason ?? "accepted")")
        }
    }

    @Test func tamperedDocumentsAreRefused() async throws {
        let ca = try TestCA(now: Self.now)
        let payload = try ca.payload(timestamp: Self.now, pcrs: Self.pcrs, nonce: Self.fixedNonce)
        let document = try ca.sign(payload: payload)
        let policy = NitroAttestationPolicy(root: ca.root, expectedPCRs: [0: Self.pcrs[0]!])
        // Every bit flip in the payload or the signature region is refused (signature, CBOR or chain check).
        var refused = 0
        for position in stride(from: 1, to: document.count, by: max(1, document.count / 150)) {
            var tampered = document
            tampered[position] ^= 0x04
            if await Self.rejection({ _ = try await NitroAttestation.verify(tampered, policy: policy, expectedNonce: Self.fixedNonce, now: Self.now) }) != nil {
                refused += 1
            } else {
                Issue.record("bit flip at \(position) was accepted")
            }
        }
        #expect(refused > 100)
        // A re-encoded payload with another PCR keeps the old signature → signature failure.
        var pcrs = Self.pcrs
        pcrs[0]![0] ^= 0xFF
        let swapped = try ca.sign(payload: payload)
        let forgedPayload = try ca.payload(timestamp: Self.now, pcrs: pcrs, nonce: Self.fixedNonce)
        guard case .tagged(_, .array(var parts)) = try StrictCBOR.decode(swapped) else { Issue.record("decode"); return }
        parts[2] = .bytes(forgedPayload)
        let reason = await Self.rejection {
            _ = try await NitroAttestation.verify(Self.encode(.tagged(18, .array(parts))), policy: policy, expectedNonce: Self.fixedNonce, now: Self.now)
        }
        #expect(reason?.contains("signature") == true, "\(reason ?? "accepted")")
    }

    /// Issue 15 item 3: an empty PCR policy, a verification without a nonce, and a debug-mode enclave are refused.
    @Test func emptyPolicyMissingNonceAndDebugEnclaveAreRefused() async throws {
        let ca = try TestCA(now: Self.now)
        let nonce = TestSupport.randomBytes(32)
        let document = try ca.sign(payload: ca.payload(timestamp: Self.now, pcrs: Self.pcrs, nonce: nonce))
        let empty = await Self.verifyRejection(document, root: ca.root, expectedPCRs: [:], nonce: nonce)
        #expect(empty?.contains("PCR policy is empty") == true, "\(empty ?? "accepted")")
        for short in [[], Array(nonce.prefix(8))] {
            let noNonce = await Self.verifyRejection(document, root: ca.root, nonce: short)
            #expect(noNonce?.contains("nonce") == true, "\(noNonce ?? "accepted")")
        }
        let zeros = [0, 1, 2, 8].reduce(into: [Int: [UInt8]]()) { $0[$1] = [UInt8](repeating: 0, count: 48) }
        let debug = try ca.sign(payload: ca.payload(timestamp: Self.now, pcrs: zeros, nonce: nonce))
        let debugReason = await Self.verifyRejection(debug, root: ca.root, expectedPCRs: [0: zeros[0]!], nonce: nonce)
        #expect(debugReason?.contains("debug-mode") == true, "\(debugReason ?? "accepted")")
        // …unless the policy says so (development only).
        let policy = NitroAttestationPolicy(root: ca.root, expectedPCRs: [0: zeros[0]!], allowDebugEnclave: true)
        #expect(try await NitroAttestation.verify(debug, policy: policy, expectedNonce: nonce, now: Self.now).pcrs == zeros)
        // The enclave root key refuses an empty policy when it is made, not at the first unwrap.
        let client = try AWSKMSClient(region: "us-east-1", credentials: S3Credentials(accessKeyID: "a", secretAccessKey: "b"))
        #expect(throws: VaultError.self) {
            try EnclaveRootKey(kms: AWSKMSRootKey(client: client, keyID: "k"), policy: .init(root: ca.root, expectedPCRs: [:]),
                               attestation: { _, _ in [] })
        }
    }

    /// The default trust anchor is the AWS Nitro Enclaves root G1, pinned by its published SHA-256 fingerprint.
    @Test func defaultRootIsThePinnedAWSNitroRoot() throws {
        let root = NitroAttestationPolicy.awsNitroRootG1
        var serializer = DER.Serializer()
        try serializer.serialize(root)
        let fingerprint = SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined()
        #expect(fingerprint == "641A0321A3E244EFE456463195D606317ED7CDCC3C1756E09893F3C68F79BB5B")
        #expect(fingerprint == NitroAttestationPolicy.awsNitroRootG1Fingerprint)
        #expect(root.subject.description.contains("aws.nitro-enclaves"))
        #expect(NitroAttestationPolicy(expectedPCRs: [0: Self.pcrs[0]!]).root == root)
    }

    @Test func strictCBORRefusesNonCanonicalInput() throws {
        #expect(throws: VaultError.self) { try StrictCBOR.decode([0x18, 0x05]) }          // non-shortest 5
        #expect(throws: VaultError.self) { try StrictCBOR.decode([0x5F, 0x41, 0x00, 0xFF]) } // indefinite bytes
        #expect(throws: VaultError.self) { try StrictCBOR.decode([0x01, 0x02]) }          // trailing byte
        #expect(throws: VaultError.self) { try StrictCBOR.decode([0xA2, 0x01, 0x02, 0x01, 0x03]) } // duplicate key
        #expect(throws: VaultError.self) { try StrictCBOR.decode([0xF9, 0x3C, 0x00]) }    // half float
        #expect(throws: VaultError.self) { try StrictCBOR.decode([0x9B] + Array(repeating: 0xFF, count: 8)) } // huge array
        #expect(throws: VaultError.self) { try StrictCBOR.decode(Array(repeating: 0x81, count: 40) + [0x00]) } // too deep
        // Property: random values round-trip through the test encoder and the decoder.
        for _ in 0..<200 {
            let value = CBORValue.map([
                CBORMapEntry(key: .text("n"), value: .unsigned(UInt64.random(in: 0...UInt64.max) >> UInt64.random(in: 0...63))),
                CBORMapEntry(key: .text("b"), value: .bytes(TestSupport.randomBytes(Int.random(in: 0...300)))),
                CBORMapEntry(key: .unsigned(7), value: .array([.negative(UInt64.random(in: 0...1000)), .bool(true), .null])),
            ])
            #expect(try StrictCBOR.decode(Self.encode(value)) == value)
        }
    }
}
