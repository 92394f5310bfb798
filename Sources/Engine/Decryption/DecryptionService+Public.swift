import Algebra
import FHEKeys
import Foundation
import KMSAPI
import MPCProtocols
import Signatures

/// PublicDecrypt / GetPublicDecryptionResult / PublicDecryptSync: the plaintexts, an EIP-712
/// `PublicDecryptVerification` signature over (handles, abi-encoded values, extra data) and this core's signature
/// over the serialized payload.
extension DecryptionService {
    /// Checks the request and starts its decryption in the background; returns the task that runs it.
    @discardableResult
    func startPublic(_ request: Kms_V1_PublicDecryptionRequest) async throws(EngineError) -> Task<Void, Never> {
        let prepared = try await prepare(request, kind: .publicDecryption) { id throws(EngineError) in try publicRequests.checkFree(id) }
        // From here to the table entry there is no suspension point (actor reentrancy).
        try publicRequests.checkFree(prepared.id)
        try publicRequests.makeRoom()
        let id = prepared.id
        let task = background(prepared, user: false) { prepared, messages, provenWrong throws(EngineError) in
            try await self.publicAnswer(prepared, messages: messages, provenWrong: provenWrong)
        } finish: { outcome in
            await self.finishPublic(id, outcome)
        }
        publicRequests.start(prepared.id, task)
        return task
    }

    /// The result, waiting up to `[decryption] long_poll_milliseconds` while it runs.
    func publicResult(_ id: RequestIdentifier) async throws(EngineError) -> Kms_V1_PublicDecryptionResponse {
        await longPoll(id) { publicRequests.isRunning(id) }
        return try publicRequests.answer(id)
    }

    /// PublicDecryptSync: start, wait for the end, answer.
    func publicDecryptNow(_ request: Kms_V1_PublicDecryptionRequest) async throws(EngineError) -> Kms_V1_PublicDecryptionResponse {
        let task = try await startPublic(request)
        await task.value
        return try publicRequests.answer(try RequestIdentifierChecks.required(request.requestID, present: request.hasRequestID, field: "request_id"))
    }

    private func finishPublic(_ id: RequestIdentifier, _ outcome: Result<Kms_V1_PublicDecryptionResponse, EngineError>) {
        publicRequests.finish(id, outcome)
    }

    private func publicAnswer(_ prepared: Prepared, messages: [FieldElement], provenWrong: Set<Int>) throws(EngineError)
        -> Kms_V1_PublicDecryptionResponse
    {
        var values: [RadixValue] = []
        for (input, slice) in zip(prepared.inputs, Self.perCiphertext(messages, prepared.inputs)) {
            values.append(try DecryptionInput.value(of: ArraySlice(slice.map(\.value)), type: input.type, parameters: prepared.parameters))
        }
        var payload = Kms_V1_PublicDecryptionResponsePayload()
        payload.verificationKey = Data(signer.key.publicKey)
        payload.requestID.requestID = prepared.id.hex
        payload.partiesSentWrongShares = provenWrong.sorted().map(UInt32.init)
        payload.plaintexts = zip(prepared.inputs, values).map { input, value in
            var plaintext = Kms_V1_TypedPlaintext()
            plaintext.bytes = Data(DecryptionInput.plaintextBytes(value, type: input.type))
            plaintext.fheType = DecryptionInput.protoType(input.type)
            plaintext.externalHandle = Data(input.handle)
            return plaintext
        }
        var response = Kms_V1_PublicDecryptionResponse()
        let message: PublicDecryptVerification
        do {
            message = try PublicDecryptVerification(
                ctHandles: prepared.inputs.map(\.handle), decryptedResult: try abiEncodeUInt256s(values.map(\.bigEndianBytes)),
                extraData: prepared.extraData)
        } catch {
            throw .internalFailure("encoding the decryption's signed message failed")
        }
        response.externalSignature = Data(try signer.sign(message, domain: prepared.domain))
        response.signature = try payloadSignature(payload)
        response.payload = payload
        response.extraData = Data(prepared.extraData)
        return response
    }
}
