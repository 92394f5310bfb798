import Crypto
import Foundation
@_spi(FixedExpiryValidationTime) import X509

/// What an attestation document must satisfy (DESIGN §5, enclave keychain): a chain to `root` (by default the
/// pinned AWS Nitro Enclaves root G1), the expected PCR values (at least one), a nonce, no debug-mode enclave, and
/// freshness (the document's timestamp at most `maximumAgeSeconds` old and at most `maximumFutureSkewSeconds`
/// ahead of the caller's clock).
public struct NitroAttestationPolicy: Sendable {
    public var root: Certificate
    /// PCR index → expected value (SHA-384, 48 bytes, for Nitro). Must not be empty: an empty policy would accept
    /// any enclave image. Indices not listed are not checked.
    public var expectedPCRs: [Int: [UInt8]]
    public var maximumAgeSeconds: Double
    public var maximumFutureSkewSeconds: Double
    /// Accept a debug-mode enclave (PCR0–PCR2 all zero). A debug enclave's memory is readable from the parent
    /// instance, so this is for development only; the default refuses it.
    public var allowDebugEnclave: Bool

    public init(root: Certificate = NitroAttestationPolicy.awsNitroRootG1, expectedPCRs: [Int: [UInt8]],
                maximumAgeSeconds: Double = 300, maximumFutureSkewSeconds: Double = 30, allowDebugEnclave: Bool = false) {
        self.root = root
        self.expectedPCRs = expectedPCRs
        self.maximumAgeSeconds = maximumAgeSeconds
        self.maximumFutureSkewSeconds = maximumFutureSkewSeconds
        self.allowDebugEnclave = allowDebugEnclave
    }

    /// SHA-256 of the DER of the AWS Nitro Enclaves root G1 certificate, as AWS publishes it.
    public static let awsNitroRootG1Fingerprint = "641A0321A3E244EFE456463195D606317ED7CDCC3C1756E09893F3C68F79BB5B"

    /// The AWS Nitro Enclaves root G1 (CN=aws.nitro-enclaves, P-384, valid 2019-10-28 to 2049-10-28), published in
    /// https://aws-nitro-enclaves.amazonaws.com/AWS_NitroEnclaves_Root-G1.zip; its fingerprint was checked with
    /// `openssl x509 -fingerprint -sha256` and is checked again by the tests.
    public static let awsNitroRootG1: Certificate = {
        do { return try Certificate(pemEncoded: awsNitroRootG1PEM) } catch {
            fatalError("the pinned AWS Nitro root certificate does not parse: \(error)")
        }
    }()

    static let awsNitroRootG1PEM = """
        -----BEGIN CERTIFICATE-----
        MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL
        MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD
        VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4
        MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL
        DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG
        BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb
        48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE
        h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF
        R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC
        MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW
        rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N
        IwLz3/Y=
        -----END CERTIFICATE-----
        """

    /// Refuses a policy that would accept any image.
    func validate() throws(VaultError) {
        guard !expectedPCRs.isEmpty else {
            throw .attestationRejected(reason: "the PCR policy is empty: it would accept any enclave image; list the expected PCRs")
        }
    }
}

/// The verified content of an AWS Nitro Enclaves attestation document (AWS "Verifying the root of trust").
public struct NitroAttestationDocument: Sendable {
    public let moduleID: String
    /// Milliseconds since the UNIX epoch.
    public let timestampMilliseconds: UInt64
    public let pcrs: [Int: [UInt8]]
    public let certificate: Certificate
    public let publicKey: [UInt8]?
    public let userData: [UInt8]?
    public let nonce: [UInt8]?
}

/// Verifies AWS Nitro attestation documents: COSE_Sign1 (RFC 9052 §4.2) with ES384 over the Sig_structure,
/// the signing certificate chained through `cabundle` to the configured root (swift-certificates' RFC 5280
/// verifier at the caller's time), the PCR policy, the nonce and freshness. The clock is a parameter.
public enum NitroAttestation {
    static func reject(_ why: String) -> VaultError { .attestationRejected(reason: why) }

    /// `expectedNonce` is the fresh nonce the caller asked the NSM to include (at least 16 bytes); a document
    /// without it, or with another, is refused as a possible replay.
    public static func verify(_ document: [UInt8], policy: NitroAttestationPolicy, expectedNonce: [UInt8],
                              now: Date) async throws(VaultError) -> NitroAttestationDocument {
        try policy.validate()
        guard expectedNonce.count >= 16 else {
            throw reject("a nonce of at least 16 bytes is required (got \(expectedNonce.count)): without one an old document could be replayed")
        }
        // COSE_Sign1 = [protected: bstr, unprotected: map, payload: bstr, signature: bstr], optionally tag 18.
        var outer = try StrictCBOR.decode(document)
        if case .tagged(18, let inner) = outer { outer = inner }
        guard let parts = outer.arrayValue, parts.count == 4, let protected = parts[0].bytesValue,
              case .map = parts[1], let payload = parts[2].bytesValue, let signature = parts[3].bytesValue
        else { throw reject("not a COSE_Sign1 structure") }
        guard case .map(let headers) = try StrictCBOR.decode(protected),
              headers.first(where: { $0.key == .unsigned(1) })?.value == .negative(34)
        else { throw reject("protected header does not name ES384 (alg -35)") }
        guard signature.count == 96 else { throw reject("ES384 signature must be 96 bytes, got \(signature.count)") }

        let fields = try StrictCBOR.decode(payload)
        guard let moduleID = fields["module_id"]?.textValue, !moduleID.isEmpty else { throw reject("missing module_id") }
        guard fields["digest"]?.textValue == "SHA384" else { throw reject("digest must be SHA384") }
        guard let timestamp = fields["timestamp"]?.unsignedValue, timestamp > 0 else { throw reject("missing timestamp") }
        guard case .map(let pcrEntries)? = fields["pcrs"], !pcrEntries.isEmpty, pcrEntries.count <= 32 else {
            throw reject("missing or oversized pcrs")
        }
        var pcrs: [Int: [UInt8]] = [:]
        for entry in pcrEntries {
            guard let index = entry.key.unsignedValue, index < 32, let value = entry.value.bytesValue,
                  [32, 48, 64].contains(value.count)
            else { throw reject("malformed PCR entry") }
            pcrs[Int(index)] = value
        }
        guard let certificateDER = fields["certificate"]?.bytesValue,
              let bundle = fields["cabundle"]?.arrayValue, !bundle.isEmpty
        else { throw reject("missing certificate or cabundle") }
        let leaf: Certificate
        var intermediates: [Certificate] = []
        do {
            leaf = try Certificate(derEncoded: certificateDER)
            for item in bundle {
                guard let der = item.bytesValue else { throw reject("cabundle entry is not a byte string") }
                intermediates.append(try Certificate(derEncoded: der))
            }
        } catch let error as VaultError { throw error } catch {
            throw reject("certificate does not parse: \(error)")
        }
        let optionalBytes: (String) throws(VaultError) -> [UInt8]? = { (name: String) throws(VaultError) -> [UInt8]? in
            switch fields[name] {
            case nil, .null?: return nil
            case .bytes(let value)?: return value
            default: throw reject("\(name) must be a byte string or null")
            }
        }
        let publicKey = try optionalBytes("public_key")
        let userData = try optionalBytes("user_data")
        let nonce = try optionalBytes("nonce")

        // Signature over Sig_structure = ["Signature1", protected, external_aad = h'', payload].
        guard let signingKey = P384.Signing.PublicKey(leaf.publicKey) else { throw reject("signing certificate key is not P-384") }
        let toBeSigned = sigStructure(protected: protected, payload: payload)
        guard let ecdsa = try? P384.Signing.ECDSASignature(rawRepresentation: signature),
              signingKey.isValidSignature(ecdsa, for: toBeSigned)
        else { throw reject("COSE signature does not verify with the document's certificate (tampered document?)") }

        // Certificate chain to the configured root at the caller's time.
        var verifier = Verifier(rootCertificates: CertificateStore([policy.root])) { RFC5280Policy(fixedExpiryValidationTime: now) }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate: break
        case .couldNotValidate(let failures):
            throw reject("certificate chain does not lead to the configured root (\(failures.count) candidate chains failed)")
        }

        for (index, expected) in policy.expectedPCRs.sorted(by: { $0.key < $1.key }) {
            guard let actual = pcrs[index] else { throw reject("PCR\(index) is absent; the policy requires it") }
            guard actual == expected else { throw reject("PCR\(index) does not match the policy (unexpected enclave image)") }
        }
        if !policy.allowDebugEnclave, (0...2).contains(where: { pcrs[$0].map { $0.allSatisfy { $0 == 0 } } ?? false }) {
            throw reject("debug-mode enclave (PCR0–PCR2 are zero): its memory is readable from the parent instance")
        }
        guard nonce == expectedNonce else { throw reject("nonce does not match the one requested (replayed document?)") }
        let nowMilliseconds = now.timeIntervalSince1970 * 1000
        let age = (nowMilliseconds - Double(timestamp)) / 1000
        guard age <= policy.maximumAgeSeconds else {
            throw reject("document is stale: issued \(Int(age)) s ago, the limit is \(Int(policy.maximumAgeSeconds)) s")
        }
        guard -age <= policy.maximumFutureSkewSeconds else {
            throw reject("document timestamp is \(Int(-age)) s in the future")
        }
        return NitroAttestationDocument(moduleID: moduleID, timestampMilliseconds: timestamp, pcrs: pcrs,
                                        certificate: leaf, publicKey: publicKey, userData: userData, nonce: nonce)
    }

    /// CBOR encoding of the COSE Sig_structure for COSE_Sign1.
    static func sigStructure(protected: [UInt8], payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x84]
        out += head(major: 3, Array("Signature1".utf8).count) + Array("Signature1".utf8)
        out += head(major: 2, protected.count) + protected
        out += head(major: 2, 0)
        out += head(major: 2, payload.count) + payload
        return out
    }

    /// A shortest-form CBOR head.
    static func head(major: UInt8, _ length: Int) -> [UInt8] {
        let value = UInt64(length), type = major << 5
        switch value {
        case 0..<24: return [type | UInt8(value)]
        case 24..<256: return [type | 24, UInt8(value)]
        case 256..<65536: return [type | 25, UInt8(value >> 8), UInt8(value & 0xFF)]
        case 65536..<(1 << 32): return [type | 26] + (0..<4).reversed().map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
        default: return [type | 27] + (0..<8).reversed().map { UInt8((value >> (8 * UInt64($0))) & 0xFF) }
        }
    }
}
