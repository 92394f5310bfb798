import Foundation
import GRPCCore
import KMSAPI
import Logging

/// mpc.v1.PeerService, served on the separate peer endpoint. Every call is authorized first: the caller's
/// verified certificate must be the one pinned for the party the message claims to come from.
struct PeerServiceRoutes: Sendable {
    let partyId: Int
    let authorization: PeerAuthorization
    let mailbox: PeerMailbox
    let logger: Logger

    func routes() -> [UnaryRoute] {
        [
            UnaryRoute.typed(path: PeerServiceMethod.deliver.path, logger: logger) {
                (message: Mpc_V1_PeerMessage, context: ServerCallContext) async throws -> Mpc_V1_PeerAck in
                let sender = try authorization.authorize(claimedParty: message.sender, caller: context.peer)
                guard Int(message.receiver) == partyId else {
                    throw EngineError.invalidArgument("receiver \(message.receiver) is not this core (party \(partyId))")
                }
                guard message.sessionID.count == RequestIdentifier.byteCount else {
                    throw EngineError.invalidArgument("session_id: expected 32 bytes, got \(message.sessionID.count)")
                }
                let key = PeerMailbox.Key(sessionId: Array(message.sessionID), round: message.round, sender: sender)
                try await mailbox.deliver(key, payload: Array(message.payload))
                return Mpc_V1_PeerAck()
            },
            UnaryRoute.typed(path: PeerServiceMethod.ping.path, logger: logger) {
                (request: Mpc_V1_PingRequest, context: ServerCallContext) throws(EngineError) -> Mpc_V1_PingResponse in
                try authorization.authorize(claimedParty: request.sender, caller: context.peer)
                var response = Mpc_V1_PingResponse()
                response.responder = UInt32(partyId)
                response.nonce = request.nonce
                return response
            },
        ]
    }
}
