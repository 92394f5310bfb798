import Algebra
import FHEKeys
import Foundation
import KMSAPI
import MPCProtocols
import Signatures

/// UserDecrypt / GetUserDecryptionResult / UserDecryptSync (DESIGN §3.5–§3.6): nothing is opened; each core
/// signs its re-randomized shares of every block, encrypts them to the user's X-Wing key (`UserShareSigncryption`),
/// and signs an EIP-712 `UserDecryptResponseVerification` over (user key, handles, the encrypted shares, extra data).
extension DecryptionService {
    @discardableResult
    func startUser(_ request: Kms_V1_UserDecryptionRequest) async throws(EngineError) -> Task<Void, Never> {
        let address: EthereumAddress
        do { address = try EthereumAddress(hex: request.clientAddress) } catch {
            throw .invalidArgument("client_address: '\(request.clientAddress.prefix(64))' is not an Ethereum address (0x and 40 hex digits)")
        }
        let userKey = Array(request.encryptionKey)
        do { _ = try UserShareSigncryption.publicKey(userKey) } catch {
            throw .invalidArgument("encryption_key: \(error)")
        }
        let prepared = try await prepare(request, kind: .userDecryption) { id throws(EngineError) in try userRequests.checkFree(id) }
        // From here to the table entry there is no suspension point (actor reentrancy).
        try userRequests.checkFree(prepared.id)
        try userRequests.makeRoom()
        let id = prepared.id
        let task = background(prepared, user: true) { prepared, shares, _ throws(EngineError) in
            try await self.userAnswer(prepared, shares: shares, address: address, userKey: userKey)
        } finish: { outcome in
            await self.finishUser(id, outcome)
        }
        userRequests.start(prepared.id, task)
        return task
    }

    func userResult(_ id: RequestIdentifier) async throws(EngineError) -> Kms_V1_UserDecryptionResponse {
        await longPoll(id) { userRequests.isRunning(id) }
        return try userRequests.answer(id)
    }

    func userDecryptNow(_ request: Kms_V1_UserDecryptionRequest) async throws(EngineError) -> Kms_V1_UserDecryptionResponse {
        let task = try await startUser(request)
        await task.value
        return try userRequests.answer(try RequestIdentifierChecks.required(request.requestID, present: request.hasRequestID, field: "request_id"))
    }

    private func finishUser(_ id: RequestIdentifier, _ outcome: Result<Kms_V1_UserDecryptionResponse, EngineError>) {
        userRequests.finish(id, outcome)
    }

    private func userAnswer(
        _ prepared: Prepared, shares: [FieldElement], address: EthereumAddress, userKey: [UInt8]
    ) throws(EngineError) -> Kms_V1_UserDecryptionResponse {
        let partyID = prepared.epoch?.party.partyID ?? 1
        let degree = prepared.epoch?.party.threshold ?? 0
        var payload = Kms_V1_UserDecryptionResponsePayload()
        payload.verificationKey = Data(signer.key.publicKey)
        payload.partyID = UInt32(partyID)
        payload.degree = UInt32(degree)
        payload.digest = Data(Self.requestDigest(prepared, address: address, userKey: userKey))
        for (input, slice) in zip(prepared.inputs, Self.perCiphertext(shares, prepared.inputs)) {
            let share = UserDecryptionShare(
                partyID: partyID, degree: degree, shares: slice.map { (wrongUserShares ? $0 + .one : $0).value })
            let binding = UserDecryptionShare.Binding(
                requestID: prepared.id.bytes, userAddress: address, handle: input.handle, encryptionKey: userKey)
            var signcrypted = Kms_V1_SigncryptedShare()
            do {
                signcrypted.ciphertext = Data(try UserShareSigncryption.seal(share, binding: binding, signer: signer.key))
            } catch {
                throw .internalFailure("encrypting the share to the user failed: \(error)")
            }
            signcrypted.fheType = DecryptionInput.protoType(input.type)
            signcrypted.externalHandle = Data(input.handle)
            payload.shares.append(signcrypted)
        }
        var response = Kms_V1_UserDecryptionResponse()
        let message: UserDecryptResponseVerification
        do {
            message = try UserDecryptResponseVerification(
                publicKey: userKey, ctHandles: prepared.inputs.map(\.handle),
                userDecryptedShare: UserShareSigncryption.signedShareBytes(payload.shares.map { Array($0.ciphertext) }), extraData: prepared.extraData)
        } catch {
            throw .internalFailure("encoding the user decryption's signed message failed")
        }
        response.externalSignature = Data(try signer.sign(message, domain: prepared.domain))
        response.signature = try payloadSignature(payload)
        response.payload = payload
        response.extraData = Data(prepared.extraData)
        return response
    }

    /// SHA3-256 over a domain separator, the request id, the key id, the user's address, SHA3-256 of the user's
    /// key and every handle: which request the answer is for.
    static func requestDigest(_ prepared: Prepared, address: EthereumAddress, userKey: [UInt8]) -> [UInt8] {
        SHA3_256.hash(Array("threshold-kms/user-decryption-request/v1".utf8) + prepared.id.bytes + prepared.keyID.bytes + address.bytes
            + SHA3_256.hash(userKey) + prepared.inputs.flatMap(\.handle))
    }
}
