import Algebra
import Crypto
import FHEKeys
import Foundation
import KMSAPI
import MPCProtocols
import Signatures

/// The user's side of a user decryption (DESIGN §3.5–§3.6): checks each core's answer (its payload signature and
/// its EIP-712 UserDecryptResponseVerification recover to the core's signing address, it answers as its own
/// party with degree t), opens its encrypted shares with the user's X-Wing key, and decodes every block from at
/// least 2t + 1 authenticated answers by Reed–Solomon decoding: up to (answers − t − 1) / 2 wrong shares are
/// corrected and their cores named; more disagreement is an error, never a wrong plaintext.
struct UserDecryptionAssembly {
    struct Request {
        var requestID: [UInt8]
        var address: EthereumAddress
        var userKey: XWingMLKEM768X25519.PrivateKey
        var files: CiphertextFiles
        var extraData: [UInt8] = []
    }

    var values: [RadixValue]
    var types: [FheType]
    var handles: [[UInt8]]
    /// The parties whose shares were used, with their addresses.
    var contributors: [(party: Int, address: EthereumAddress)]
    var dissent: [Int: String]

    static func assemble(
        _ answers: [ClusterCalls.Answer<Kms_V1_UserDecryptionResponse>], request: Request, signers: [Int: EthereumAddress],
        domain: EIP712Domain, threshold: Int
    ) throws(ClientError) -> UserDecryptionAssembly {
        let publicKey = Array(request.userKey.publicKey.rawRepresentation)
        let handles = request.files.handles
        var dissent: [Int: String] = [:]
        var opened: [Int: [UserDecryptionShare]] = [:]
        for (core, result) in answers {
            let party = core.partyId
            switch result {
            case .failure(let error):
                dissent[party] = "\(error)"
            case .success(let answer):
                guard let address = signers[party] else { dissent[party] = "its signing address is unknown"; continue }
                do {
                    opened[party] = try open(answer, party: party, address: address, request: request, publicKey: publicKey,
                                             domain: domain, threshold: threshold)
                } catch {
                    dissent[party] = "\(error)"
                }
            }
        }
        guard opened.count >= 2 * threshold + 1 else {
            throw .noAgreement("user decryption: \(opened.count) authenticated answer(s), \(2 * threshold + 1) needed; "
                + dissent.sorted { $0.key < $1.key }.map { "core \($0.key): \($0.value)" }.joined(separator: "; "))
        }
        let parties = opened.keys.sorted()
        var values: [RadixValue] = []
        for (index, type) in request.files.types.enumerated() {
            var digits: [UInt64] = []
            for block in 0..<request.files.blockCounts[index] {
                let ys = parties.map { FieldElement(opened[$0]![index].shares[block]) }
                let xs = parties.map { FieldElement(UInt64($0)) }
                let correctable = max(0, (parties.count - threshold - 1) / 2)
                // The shares are of y = message + 16·q (q masked): y read as a signed integer, mod 16.
                let modulus = FHEParameters.production.plaintextModulus
                guard let polynomial = ReedSolomonDecoder.decode(xs: xs, ys: ys, degree: threshold, maxErrors: correctable),
                      let message = ThresholdDecryption.message(
                        of: polynomial.evaluate(at: .zero), bound: ThresholdDecryptionPlan.outputLimit, plaintextModulus: modulus)
                else {
                    throw .noAgreement("user decryption: the shares of ciphertext \(index), block \(block) do not decode "
                        + "(more than \(correctable) of \(parties.count) cores wrong)")
                }
                for (party, y) in zip(parties, ys) where polynomial.evaluate(at: FieldElement(UInt64(party))) != y {
                    dissent[party] = "sent a wrong share (ciphertext \(index), block \(block))"
                }
                // Both parameter sets have 2 message and 2 carry bits per block: the carry bits are dropped.
                digits.append(message % FHEParameters.production.messageModulus)
            }
            do {
                values.append(try RadixValue(digits: digits, bitsPerDigit: 2).truncated(toBits: type.rawValue))
            } catch {
                throw .noAgreement("user decryption: ciphertext \(index) does not decode to a \(type.rawValue)-bit value")
            }
        }
        let wrong = Set(dissent.keys)
        return UserDecryptionAssembly(
            values: values, types: request.files.types, handles: handles,
            contributors: parties.filter { !wrong.contains($0) }.map { ($0, signers[$0]!) }, dissent: dissent)
    }

    /// One core's answer, checked and opened: its share of every ciphertext.
    static func open(
        _ answer: Kms_V1_UserDecryptionResponse, party: Int, address: EthereumAddress, request: Request, publicKey: [UInt8],
        domain: EIP712Domain, threshold: Int
    ) throws -> [UserDecryptionShare] {
        let payload = answer.payload
        let payloadBytes: [UInt8] = try payload.serializedBytes()
        guard try RecoverableSignature(bytes: Array(answer.signature)).verify(digest: Keccak256.hash(payloadBytes), address: address) else {
            throw ClientError.usage("its payload signature does not verify for \(address.checksummed)")
        }
        guard Int(payload.partyID) == party, Int(payload.degree) == threshold else {
            throw ClientError.usage("answered as party \(payload.partyID) with degree \(payload.degree), expected party \(party), degree \(threshold)")
        }
        guard payload.shares.count == request.files.types.count else {
            throw ClientError.usage("answered \(payload.shares.count) shares for \(request.files.types.count) ciphertexts")
        }
        let message = try UserDecryptResponseVerification(
            publicKey: publicKey, ctHandles: request.files.handles,
            userDecryptedShare: UserShareSigncryption.signedShareBytes(payload.shares.map { Array($0.ciphertext) }),
            extraData: request.extraData)
        guard try RecoverableSignature(bytes: Array(answer.externalSignature)).verify(digest: message.digest(domain: domain), address: address) else {
            throw ClientError.usage("its UserDecryptResponseVerification signature does not verify for \(address.checksummed)")
        }
        return try payload.shares.enumerated().map { index, signcrypted in
            let handle = request.files.handles[index]
            guard Array(signcrypted.externalHandle) == handle, signcrypted.fheType == request.files.typed[index].fheType else {
                throw ClientError.usage("share \(index) is for another ciphertext or type")
            }
            let binding = UserDecryptionShare.Binding(
                requestID: request.requestID, userAddress: request.address, handle: handle, encryptionKey: publicKey)
            let share = try UserShareSigncryption.open(
                Array(signcrypted.ciphertext), partyID: party, binding: binding, privateKey: request.userKey, signer: address)
            guard share.shares.count == request.files.blockCounts[index], share.degree == threshold else {
                throw ClientError.usage("share \(index) holds \(share.shares.count) blocks of degree \(share.degree)")
            }
            return share
        }
    }

    var json: [String: Any] {
        [
            "plaintexts": zip(handles, zip(values, types)).map { handle, typed in
                ["fhe_type": FheTypeName.name(typed.1), "value": decimal(typed.0), "hex": "0x\(typed.0)", "handle": hexString(handle)] as [String: Any]
            },
            "shares_from": contributors.map { ["party_id": $0.party, "address": $0.address.checksummed] as [String: Any] },
            "dissent": dissent.sorted { $0.key < $1.key }.map { ["party_id": $0.key, "reason": $0.value] as [String: Any] },
        ]
    }

    func printText() {
        for (value, type) in zip(values, types) { print("\(FheTypeName.name(type)) \(decimal(value))") }
        print("decoded from the shares of \(contributors.count) core(s): "
            + contributors.map { "core \($0.party) \($0.address.checksummed)" }.joined(separator: ", "))
        for (party, reason) in dissent.sorted(by: { $0.key < $1.key }) { print("core \(party) disagrees: \(reason)") }
    }
}
