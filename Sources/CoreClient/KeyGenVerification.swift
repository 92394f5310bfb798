import Foundation
import KMSAPI
import Signatures

/// Checks the cores' KeyGenResults (DESIGN §3.6): each core's KeygenVerification signature must recover to that
/// core's signing address; a key set is accepted when at least t + 1 cores signed identical digests.
struct KeyGenAgreement {
    struct Signed {
        var party: Int
        var signature: [UInt8]
        var address: EthereumAddress
    }

    var keyID: String
    var preprocessingID: String
    /// (type, digest) in the signed order: ServerKey, PublicKey.
    var digests: [(type: String, digest: [UInt8])]
    var signers: [Signed]
    /// Cores that failed, answered something else, or signed wrongly, with the reason.
    var dissent: [Int: String]

    static let signedTypes: [(name: String, type: KeyDigest.KeyType)] = [("ServerKey", .serverKey), ("PublicKey", .publicKey)]

    static func check(
        _ answers: [ClusterCalls.Answer<Kms_V1_KeyGenResult>], keyID: String, signers: [Int: EthereumAddress],
        domain: EIP712Domain, threshold: Int
    ) throws(ClientError) -> KeyGenAgreement {
        var groups: [[UInt8]: [Signed]] = [:]
        var digestsOf: [[UInt8]: [(type: String, digest: [UInt8])]] = [:]
        var preprocessingOf: [[UInt8]: String] = [:]
        var dissent: [Int: String] = [:]
        for (core, result) in answers {
            let party = core.partyId
            let answer: Kms_V1_KeyGenResult
            switch result {
            case .failure(let error): dissent[party] = "\(error)"; continue
            case .success(let value): answer = value
            }
            var digests: [(type: String, digest: [UInt8])] = []
            var keyDigests: [KeyDigest] = []
            for (name, type) in signedTypes {
                guard let found = answer.keyDigests.first(where: { $0.keyType == name }) else { break }
                digests.append((name, Array(found.digest)))
                keyDigests.append(KeyDigest(keyType: type, digest: Array(found.digest)))
            }
            guard digests.count == signedTypes.count else { dissent[party] = "its result lacks a digest"; continue }
            let preprocessing = answer.hasPreprocID ? answer.preprocID.requestID : ""
            guard let address = signers[party] else { dissent[party] = "its signing address is unknown"; continue }
            do {
                let message = try KeygenVerification(
                    prepKeygenId: preprocessing.isEmpty ? [UInt8](repeating: 0, count: 32) : hexBytes(preprocessing),
                    keyId: hexBytes(keyID), keyDigests: keyDigests)
                let signature = try RecoverableSignature(bytes: Array(answer.externalSignature))
                guard signature.verify(digest: message.digest(domain: domain), address: address) else {
                    dissent[party] = "its signature does not verify for \(address.checksummed)"
                    continue
                }
                let key = digests.flatMap(\.digest) + Array(preprocessing.utf8)
                groups[key, default: []].append(Signed(party: party, signature: signature.bytes, address: address))
                digestsOf[key] = digests
                preprocessingOf[key] = preprocessing
            } catch {
                dissent[party] = "bad signature: \(error)"
            }
        }
        guard let (key, signed) = groups.max(by: { $0.value.count < $1.value.count }), signed.count >= threshold + 1 else {
            let best = groups.values.map(\.count).max() ?? 0
            throw .noAgreement("key \(keyID): only \(best) core(s) signed the same digests, \(threshold + 1) needed; "
                + dissent.sorted { $0.key < $1.key }.map { "core \($0.key): \($0.value)" }.joined(separator: "; "))
        }
        for (otherKey, others) in groups where otherKey != key {
            for other in others { dissent[other.party] = "signed other digests" }
        }
        return KeyGenAgreement(keyID: keyID, preprocessingID: preprocessingOf[key] ?? "", digests: digestsOf[key] ?? [],
                               signers: signed.sorted { $0.party < $1.party }, dissent: dissent)
    }

    var json: [String: Any] {
        [
            "key_id": keyID,
            "preproc_id": preprocessingID,
            "digests": digests.map { ["key_type": $0.type, "digest": hexString($0.digest)] },
            "signatures": signers.map { ["party_id": $0.party, "address": $0.address.checksummed, "signature": hexString($0.signature)] },
            "dissent": dissent.sorted { $0.key < $1.key }.map { ["party_id": $0.key, "reason": $0.value] },
        ]
    }

    func printText() {
        print("key \(keyID): \(signers.count) core(s) signed the same digests")
        for digest in digests { print("  \(digest.type) \(hexString(digest.digest))") }
        for signer in signers { print("  core \(signer.party) \(signer.address.checksummed) signed") }
        for (party, reason) in dissent.sorted(by: { $0.key < $1.key }) { print("  core \(party) disagrees: \(reason)") }
    }
}
