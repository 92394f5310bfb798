import Crypto
import Foundation
import Testing
@testable import Vault
import SecureMemory

/// Issue 15: a seeded fuzz loop for every parser that takes outside bytes. Each target starts from valid inputs
/// and feeds a fixed number of mutants (bit flips, truncations, insertions, overwrites, duplicated runs) plus
/// purely random inputs; the parser must return or throw its typed error — no crash, no hang (each target has a
/// time limit and runs in a few seconds on two cores). The PRNG is seeded, so a failure reproduces.
@Suite struct FuzzTests {
    /// SplitMix64: a small deterministic generator for reproducible mutations.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// One to four mutations of `seed`, or (one time in sixteen) random bytes.
    static func mutate(_ seed: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        if random.next() % 16 == 0 {
            return (0..<Int(random.next() % 256)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
        var bytes = seed
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 6 {
            case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(random.next() % 8)
            case 1: bytes = Array(bytes.prefix(position))
            case 2:
                let inserted = (0..<(1 + Int(random.next() % 8))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                bytes.insert(contentsOf: inserted, at: position)
            case 3 where !bytes.isEmpty: bytes[position] = [0x00, 0xFF, 0x7F, 0x80, 0x1F, 0x9F, 0xBF][Int(random.next() % 7)]
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + Int(random.next() % 16))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default: if !bytes.isEmpty { bytes.remove(at: position) }
            }
        }
        return bytes
    }

    /// Runs `count` mutants of `seeds` through `parse`; any error that is not `Expected` is recorded.
    static func fuzz<Expected: Error>(_ name: String, seeds: [[UInt8]], count: Int, seed: UInt64, expecting: Expected.Type,
                                      _ parse: ([UInt8]) async throws -> Void) async -> (accepted: Int, refused: Int) {
        var random = SplitMix64(state: seed)
        var accepted = 0, refused = 0
        for round in 0..<count {
            let input = mutate(seeds[round % seeds.count], &random)
            if seeds.contains(input) { continue }  // a mutation that undid itself
            do {
                try await parse(input)
                accepted += 1
            } catch is Expected {
                refused += 1
            } catch {
                Issue.record("\(name): input \(round) gave an untyped error \(type(of: error)): \(error)")
            }
        }
        // Every seed itself is valid.
        for valid in seeds {
            do { try await parse(valid) } catch { Issue.record("\(name): a valid seed was refused: \(error)") }
        }
        return (accepted, refused)
    }

    @Test(.timeLimit(.minutes(1))) func strictCBOR() async throws {
        let ca = try NitroAttestationTests.TestCA(now: NitroAttestationTests.now)
        let document = try ca.sign(payload: ca.payload(timestamp: NitroAttestationTests.now, pcrs: NitroAttestationTests.pcrs,
                                                       nonce: NitroAttestationTests.fixedNonce))
        let small = NitroAttestationTests.encode(.map([
            CBORMapEntry(key: .text("a"), value: .array([.unsigned(1), .negative(7), .bytes([1, 2]), .bool(true), .null])),
            CBORMapEntry(key: .unsigned(300), value: .tagged(18, .text("x"))),
        ]))
        let result = await Self.fuzz("StrictCBOR", seeds: [document, small], count: 20_000, seed: 1, expecting: VaultError.self) {
            _ = try StrictCBOR.decode($0)
        }
        #expect(result.refused > 10_000)
    }

    @Test(.timeLimit(.minutes(1))) func berAndCMSEnvelopedData() async throws {
        let key = CMSEnvelopedDataTests.key
        let seeds = try [[], ["--definite"]].map { try KMSRecipientSupport.envelope(TestSupport.randomBytes(32), to: key.publicKeyDER, extraArguments: $0) }
        let cms = await Self.fuzz("CMSEnvelopedData", seeds: seeds, count: 10_000, seed: 2, expecting: VaultError.self) {
            _ = try CMSEnvelopedData.parse($0)
        }
        #expect(cms.refused > 5_000)
        let ber = await Self.fuzz("BER", seeds: seeds, count: 10_000, seed: 3, expecting: BERError.self) {
            _ = try BERElement.parse($0)
        }
        #expect(ber.refused > 5_000)
        // The full open path (RSA-OAEP, AES-CBC) on fewer mutants: typed errors only.
        _ = await Self.fuzz("EnclaveRecipientKey.open", seeds: seeds, count: 300, seed: 4, expecting: VaultError.self) {
            _ = try key.open($0)
        }
    }

    @Test(.timeLimit(.minutes(1))) func nitroAttestationDocuments() async throws {
        let now = NitroAttestationTests.now
        let ca = try NitroAttestationTests.TestCA(now: now)
        let nonce = NitroAttestationTests.fixedNonce
        let seeds = try [true, false].map {
            try ca.sign(payload: ca.payload(timestamp: now - 10, pcrs: NitroAttestationTests.pcrs, nonce: nonce), tagged: $0)
        }
        let policy = NitroAttestationPolicy(root: ca.root, expectedPCRs: [0: NitroAttestationTests.pcrs[0]!])
        let result = await Self.fuzz("NitroAttestation", seeds: seeds, count: 10_000, seed: 5, expecting: VaultError.self) {
            _ = try await NitroAttestation.verify($0, policy: policy, expectedNonce: nonce, now: now)
        }
        // A mutant that still verifies must be the same document (a mutation CBOR cannot see is impossible here).
        #expect(result.accepted == 0)
    }

    @Test(.timeLimit(.minutes(1))) func custodianBackupRecords() async throws {
        let core = Curve25519.Signing.PrivateKey()
        let custodians = (0..<4).map { _ in Curve25519.KeyAgreement.PrivateKey().publicKey }
        let seeds = try [2, 3].map {
            try CustodianBackup.create(rootKey: SecretBytes.random(count: 32), backupID: "core-1/root", threshold: $0,
                                       custodians: custodians, signingKey: core).serialized()
        }
        let parsed = await Self.fuzz("CustodianBackup.parse", seeds: seeds, count: 20_000, seed: 6, expecting: VaultError.self) {
            _ = try CustodianBackup.parse($0)
        }
        #expect(parsed.refused > 10_000)
        let verified = await Self.fuzz("CustodianBackup(serialized:)", seeds: seeds, count: 5_000, seed: 7, expecting: VaultError.self) {
            _ = try CustodianBackup(serialized: $0, expectedSigner: core.publicKey)
        }
        #expect(verified.accepted == 0, "a mutated record passed the signature check")
    }

    @Test(.timeLimit(.minutes(1))) func privateObjectEnvelopes() async throws {
        let directory = TestSupport.temporaryDirectory("fuzz")
        defer { TestSupport.removeDirectory(directory) }
        let (rootKey, _) = try TestSupport.makeFileRootKey(in: directory)
        let store = VaultStore(backend: try FileStorage(root: directory + "/store"), rootKey: rootKey)
        let id = try ObjectID(kind: "key-share", name: "fuzz")
        var seeds: [[UInt8]] = []
        for size in [0, 1, 32, 300] { seeds.append(try await store.seal(SecretBytes(TestSupport.randomBytes(size)), id: id)) }
        let parsed = await Self.fuzz("PrivateObjectEnvelope", seeds: seeds, count: 20_000, seed: 8, expecting: VaultError.self) {
            _ = try PrivateObjectEnvelope(parsing: $0, id: "private/key-share/fuzz")
        }
        #expect(parsed.refused > 10_000)
        let opened = await Self.fuzz("VaultStore.open", seeds: seeds, count: 3_000, seed: 9, expecting: VaultError.self) {
            _ = try await store.open($0, id: id)
        }
        #expect(opened.accepted == 0, "a mutated envelope opened")
    }
}
