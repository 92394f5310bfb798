import Foundation
import GRPCCore
import KMSAPI
import Logging
import MPCProtocols

/// mpc.v1.PeerService, served on the separate peer endpoint. Every call is authorized first: the caller's
/// verified certificate must be the one pinned for the party the message claims to come from. Messages go to
/// this core's `PeerInbox` (per-peer quota: over it, RESOURCE_EXHAUSTED to that peer only).
struct PeerServiceRoutes: Sendable {
    let partyId: Int
    let authorization: PeerAuthorization
    let inbox: PeerInbox
    let logger: Logger

    func routes() -> [UnaryRoute] {
        [
            UnaryRoute.typed(path: PeerServiceMethod.deliver.path, logger: logger) {
                (message: Mpc_V1_PeerMessage, context: ServerCallContext) async throws -> Mpc_V1_PeerAck in
                let sender = try authorization.authorize(claimedParty: message.sender, caller: context.peer)
                try await inbox.deliver(delivery(message, sender: sender))
                return Mpc_V1_PeerAck()
            },
            UnaryRoute.typed(path: PeerServiceMethod.deliverBatch.path, logger: logger) {
                (batch: Mpc_V1_PeerBatch, context: ServerCallContext) async throws -> Mpc_V1_PeerAck in
                let sender = try authorization.authorize(claimedParty: batch.sender, caller: context.peer)
                guard Int(batch.receiver) == partyId else {
                    throw EngineError.invalidArgument("receiver \(batch.receiver) is not this core (party \(partyId))")
                }
                var deliveries: [PeerInbox.Delivery] = []
                deliveries.reserveCapacity(batch.messages.count)
                for message in batch.messages {
                    guard message.sender == batch.sender else {
                        throw EngineError.invalidArgument("a batch from party \(batch.sender) holds a message of party \(message.sender)")
                    }
                    deliveries.append(try delivery(message, sender: sender))
                }
                for item in deliveries { try await inbox.deliver(item) }
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
            UnaryRoute.typed(path: PeerServiceMethod.echo.path, logger: logger) {
                (request: Mpc_V1_EchoRequest, context: ServerCallContext) throws(EngineError) -> Mpc_V1_EchoResponse in
                try authorization.authorize(claimedParty: request.sender, caller: context.peer)
                var response = Mpc_V1_EchoResponse()
                response.responder = UInt32(partyId)
                response.receivedBytes = UInt64(request.payload.count)
                return response
            },
        ]
    }

    /// Checks one message's addressing and session id and turns it into an inbox delivery.
    private func delivery(_ message: Mpc_V1_PeerMessage, sender: Int) throws(EngineError) -> PeerInbox.Delivery {
        guard Int(message.receiver) == partyId else {
            throw .invalidArgument("receiver \(message.receiver) is not this core (party \(partyId))")
        }
        let session: SessionID
        do {
            session = try SessionID(bytes: Array(message.sessionID))
        } catch {
            throw .invalidArgument("session_id: expected 32 bytes, got \(message.sessionID.count)")
        }
        return PeerInbox.Delivery(
            key: PeerInbox.Key(session: session, round: message.round, sender: sender), payload: Array(message.payload),
            chunkIndex: Int(message.chunkIndex), chunkCount: max(1, Int(message.chunkCount)))
    }
}
