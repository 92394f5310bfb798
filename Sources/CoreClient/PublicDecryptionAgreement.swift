import FHEKeys
import Foundation
import KMSAPI
import Signatures

/// Checks the cores' public-decryption answers (DESIGN §3.6): each answer must hold one plaintext of the asked
/// type per ciphertext and a PublicDecryptVerification signature (over the client's handles, the abi-encoded
/// values and the extra data) that recovers to that core's signing address; the plaintexts are accepted when
/// at least t + 1 cores signed the same ones. A core that t + 1 answering cores report as having sent wrong shares
/// inside the MPC (`parties_sent_wrong_shares`, proven by their robust opens) is named: at least one honest core
/// proved it, so one corrupt core cannot frame another.
struct PublicDecryptionAgreement {
    struct Signed {
        var party: Int
        var signature: [UInt8]
        var address: EthereumAddress
    }

    var handles: [[UInt8]]
    var values: [RadixValue]
    var types: [FheType]
    var signers: [Signed]
    var dissent: [Int: String]
    /// Party → the cores that reported it sent wrong shares (only parties reported by t + 1 cores).
    var wrongShares: [Int: [Int]] = [:]

    static func check(
        _ answers: [ClusterCalls.Answer<Kms_V1_PublicDecryptionResponse>], handles: [[UInt8]], types: [FheType],
        signers: [Int: EthereumAddress], domain: EIP712Domain, threshold: Int
    ) throws(ClientError) -> PublicDecryptionAgreement {
        var groups: [[RadixValue]: [Signed]] = [:]
        var dissent: [Int: String] = [:]
        var reports: [Int: Set<Int>] = [:]
        for (core, result) in answers {
            let party = core.partyId
            let answer: Kms_V1_PublicDecryptionResponse
            switch result {
            case .failure(let error): dissent[party] = "\(error)"; continue
            case .success(let value): answer = value
            }
            let plaintexts = answer.payload.plaintexts
            guard plaintexts.count == types.count else {
                dissent[party] = "answered \(plaintexts.count) plaintexts for \(types.count) ciphertexts"
                continue
            }
            var values: [RadixValue] = []
            for (index, plaintext) in plaintexts.enumerated() {
                guard plaintext.fheType == DecryptCommand.protoType(types[index]),
                      let value = try? RadixValue(littleEndianBytes: Array(plaintext.bytes)), value.bitWidth <= types[index].rawValue
                else { break }
                values.append(value)
            }
            guard values.count == types.count else { dissent[party] = "answered a plaintext of the wrong type or size"; continue }
            guard let address = signers[party] else { dissent[party] = "its signing address is unknown"; continue }
            do {
                let message = try PublicDecryptVerification(
                    ctHandles: handles, decryptedResult: try abiEncodeUInt256s(values.map(\.bigEndianBytes)), extraData: Array(answer.extraData))
                let signature = try RecoverableSignature(bytes: Array(answer.externalSignature))
                guard signature.verify(digest: message.digest(domain: domain), address: address) else {
                    dissent[party] = "its signature does not verify for \(address.checksummed)"
                    continue
                }
                groups[values, default: []].append(Signed(party: party, signature: signature.bytes, address: address))
                for accused in Set(answer.payload.partiesSentWrongShares) where accused != party {
                    reports[Int(accused), default: []].insert(party)
                }
            } catch {
                dissent[party] = "bad signature: \(error)"
            }
        }
        guard let (values, signed) = groups.max(by: { $0.value.count < $1.value.count }), signed.count >= threshold + 1 else {
            let best = groups.values.map(\.count).max() ?? 0
            throw .noAgreement("decryption: only \(best) core(s) signed the same plaintexts, \(threshold + 1) needed; "
                + dissent.sorted { $0.key < $1.key }.map { "core \($0.key): \($0.value)" }.joined(separator: "; "))
        }
        for (other, parties) in groups where other != values {
            for party in parties { dissent[party.party] = "signed other plaintexts" }
        }
        var agreement = PublicDecryptionAgreement(
            handles: handles, values: values, types: types, signers: signed.sorted { $0.party < $1.party }, dissent: dissent)
        agreement.wrongShares = reports.filter { $0.value.count >= threshold + 1 }.mapValues { $0.sorted() }
        return agreement
    }

    var json: [String: Any] {
        [
            "plaintexts": zip(handles, zip(values, types)).map { handle, typed in
                ["fhe_type": FheTypeName.name(typed.1), "value": decimal(typed.0), "hex": "0x\(typed.0)", "handle": hexString(handle)] as [String: Any]
            },
            "signatures": signers.map { ["party_id": $0.party, "address": $0.address.checksummed, "signature": hexString($0.signature)] },
            "dissent": dissent.sorted { $0.key < $1.key }.map { ["party_id": $0.key, "reason": $0.value] },
            "wrong_shares": wrongShares.sorted { $0.key < $1.key }.map { ["party_id": $0.key, "reported_by": $0.value] },
        ]
    }

    func printText() {
        for (value, type) in zip(values, types) { print("\(FheTypeName.name(type)) \(decimal(value))") }
        print("signed by \(signers.count) core(s): " + signers.map { "core \($0.party) \($0.address.checksummed)" }.joined(separator: ", "))
        for (party, reason) in dissent.sorted(by: { $0.key < $1.key }) { print("core \(party) disagrees: \(reason)") }
        for (party, reporters) in wrongShares.sorted(by: { $0.key < $1.key }) {
            print("core \(party) sent wrong shares in the MPC (proven by cores \(reporters.map(String.init).joined(separator: ", ")))")
        }
    }
}

/// A value's decimal digits (long division of its little-endian 32-bit words by 10).
func decimal(_ value: RadixValue) -> String {
    let bytes = value.littleEndianBytes
    var words = stride(from: 0, to: bytes.count, by: 4).map { start in
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(start + $1 < bytes.count ? bytes[start + $1] : 0) << UInt32(8 * $1) }
    }
    var digits: [Character] = []
    while words.contains(where: { $0 != 0 }) {
        var remainder: UInt64 = 0
        for index in words.indices.reversed() {
            let current = remainder << 32 | UInt64(words[index])
            words[index] = UInt32(current / 10)
            remainder = current % 10
        }
        digits.append(Character(String(remainder)))
    }
    return digits.isEmpty ? "0" : String(digits.reversed())
}
