import Crypto
import _CryptoExtras
import Foundation

/// A CMS EnvelopedData (RFC 5652 §6) of the kind AWS KMS returns as `CiphertextForRecipient` when a Decrypt
/// carries a Nitro attestation: BER-encoded, one KeyTransRecipientInfo (RFC 5652 §6.2.1) whose content-encryption
/// key is wrapped with RSAES-OAEP (SHA-256, MGF1-SHA-256, empty label; RFC 8017 §7.1, RFC 4055 §4), and the
/// content encrypted with AES-256-CBC (RFC 3565). Anything else is refused with a typed error.
struct CMSEnvelopedData: Sendable {
    struct KeyTransportRecipient: Sendable {
        var encryptedKey: [UInt8]
    }

    var recipients: [KeyTransportRecipient]
    var initializationVector: [UInt8]
    var encryptedContent: [UInt8]

    enum OID {
        static let envelopedData = "1.2.840.113549.1.7.3", data = "1.2.840.113549.1.7.1"
        static let rsaesOAEP = "1.2.840.113549.1.1.7", mgf1 = "1.2.840.113549.1.1.8"
        static let sha256 = "2.16.840.1.101.3.4.2.1", aes256CBC = "2.16.840.1.101.3.4.1.42"
        static let pSpecified = "1.2.840.113549.1.1.9"
    }

    static func reject(_ why: String) -> VaultError { .recipientEnvelopeRejected(reason: why) }

    /// Parses the envelope and checks every algorithm; decrypts nothing.
    static func parse(_ encoded: [UInt8]) throws(VaultError) -> CMSEnvelopedData {
        do {
            let contentInfo = try BERElement.parse(encoded)
            guard contentInfo.isUniversal(BERElement.Universal.sequence), contentInfo.children.count == 2,
                  try contentInfo.children[0].objectIdentifier() == OID.envelopedData
            else { throw reject("not a CMS ContentInfo holding EnvelopedData") }
            let wrapper = contentInfo.children[1]
            guard wrapper.isContext(0), wrapper.isConstructed, wrapper.children.count == 1 else {
                throw reject("EnvelopedData is not in an explicit [0]")
            }
            let envelope = wrapper.children[0]
            guard envelope.isUniversal(BERElement.Universal.sequence), envelope.children.count >= 3 else {
                throw reject("EnvelopedData is not a SEQUENCE of at least 3 fields")
            }
            let version = try envelope.children[0].smallInteger()
            guard [0, 2].contains(version) else { throw reject("EnvelopedData version \(version) is not 0 or 2") }
            var index = 1
            if envelope.children[index].isContext(0) { index += 1 }  // originatorInfo: not used by KMS
            guard index + 1 < envelope.children.count,
                  envelope.children[index].isUniversal(BERElement.Universal.set)
            else { throw reject("recipientInfos SET is missing") }
            let recipients = try envelope.children[index].children.compactMap(keyTransportRecipient)
            guard !recipients.isEmpty else { throw reject("no RSAES-OAEP key-transport recipient") }
            let (iv, content) = try encryptedContentInfo(envelope.children[index + 1])
            return CMSEnvelopedData(recipients: recipients, initializationVector: iv, encryptedContent: content)
        } catch let error as VaultError {
            throw error
        } catch {
            throw reject("\(error)")
        }
    }

    /// A KeyTransRecipientInfo with RSAES-OAEP-SHA-256, or nil for another kind of RecipientInfo (tagged [1]…[4]).
    private static func keyTransportRecipient(_ info: BERElement) throws -> KeyTransportRecipient? {
        guard info.isUniversal(BERElement.Universal.sequence) else { return nil }
        guard info.children.count == 4 else { throw reject("KeyTransRecipientInfo has \(info.children.count) fields, not 4") }
        let version = try info.children[0].smallInteger()
        guard [0, 2].contains(version) else { throw reject("KeyTransRecipientInfo version \(version)") }
        try checkOAEPParameters(info.children[2])
        guard info.children[3].isUniversal(BERElement.Universal.octetString) else {
            throw reject("encryptedKey is not an OCTET STRING")
        }
        return KeyTransportRecipient(encryptedKey: try info.children[3].stringContent())
    }

    /// RSAES-OAEP-params must name SHA-256 and MGF1 with SHA-256 and an empty label (RFC 4055 §4.1).
    private static func checkOAEPParameters(_ algorithm: BERElement) throws {
        guard algorithm.isUniversal(BERElement.Universal.sequence), let oid = algorithm.children.first,
              try oid.objectIdentifier() == OID.rsaesOAEP
        else { throw reject("key transport is not RSAES-OAEP (KMS's RSAES_OAEP_SHA_256)") }
        guard algorithm.children.count == 2, algorithm.children[1].isUniversal(BERElement.Universal.sequence) else {
            throw reject("RSAES-OAEP without parameters means SHA-1; only SHA-256 is accepted")
        }
        var hash: String?, maskHash: String?
        for field in algorithm.children[1].children {
            guard field.tagClass == .contextSpecific, field.children.count == 1 else {
                throw reject("malformed RSAES-OAEP-params")
            }
            let inner = field.children[0]
            switch field.tagNumber {
            case 0: hash = try inner.children.first?.objectIdentifier()
            case 1:
                guard try inner.children.first?.objectIdentifier() == OID.mgf1, inner.children.count == 2 else {
                    throw reject("OAEP mask generation is not MGF1")
                }
                maskHash = try inner.children[1].children.first?.objectIdentifier()
            case 2:
                guard try inner.children.first?.objectIdentifier() == OID.pSpecified, inner.children.count == 2,
                      try inner.children[1].stringContent().isEmpty
                else { throw reject("OAEP label is not empty") }
            default: throw reject("unknown RSAES-OAEP-params field [\(field.tagNumber)]")
            }
        }
        guard hash == OID.sha256, maskHash == OID.sha256 else {
            throw reject("RSAES-OAEP must use SHA-256 and MGF1-SHA-256 (got \(hash ?? "SHA-1") / \(maskHash ?? "SHA-1"))")
        }
    }

    private static func encryptedContentInfo(_ info: BERElement) throws -> (iv: [UInt8], content: [UInt8]) {
        guard info.isUniversal(BERElement.Universal.sequence), info.children.count == 3,
              try info.children[0].objectIdentifier() == OID.data
        else { throw reject("EncryptedContentInfo is not id-data with encrypted content") }
        let algorithm = info.children[1]
        guard algorithm.isUniversal(BERElement.Universal.sequence), algorithm.children.count == 2,
              try algorithm.children[0].objectIdentifier() == OID.aes256CBC
        else { throw reject("content encryption is not AES-256-CBC") }
        let iv = try algorithm.children[1].stringContent()
        guard algorithm.children[1].isUniversal(BERElement.Universal.octetString), iv.count == 16 else {
            throw reject("AES-256-CBC IV is not a 16-byte OCTET STRING")
        }
        let content = info.children[2]
        guard content.isContext(0) else { throw reject("encryptedContent [0] is missing") }
        let bytes = try content.stringContent()
        guard !bytes.isEmpty, bytes.count % 16 == 0 else {
            throw reject("encrypted content is \(bytes.count) bytes, not a positive multiple of the AES block")
        }
        return (iv, bytes)
    }
}
