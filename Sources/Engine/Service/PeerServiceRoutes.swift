import Foundation
import GRPCCore
import KMSAPI
import Logging
import MPCProtocols
import Synchronization

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
                for item in try deliveries(of: batch, sender: sender) { try await inbox.deliver(item) }
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

    /// Stream: the peer network's long-lived link (`PeerOutbox`). Each numbered batch is checked and delivered like
    /// DeliverBatch's; acknowledgements are cumulative and sent after `acknowledgeEvery` batches or `acknowledgeDelay`
    /// after the first unacknowledged one, whichever comes first (one ack message per batch would double the
    /// messages on the wire). A batch that cannot be taken ends the stream with DeliverBatch's status, after an
    /// acknowledgement of everything before it, so the sender knows where to resume.
    func streamHandler(acknowledgeEvery: UInt64 = 32, acknowledgeDelay: Duration = .milliseconds(20)) -> StreamingHandler {
        { [self] first, stream, context in
            let acknowledgements = StreamAcknowledgements(stream: stream)
            var bytes = first
            while true {
                do {
                    let batch = try Mpc_V1_PeerBatch.decoded(from: bytes)
                    let sender = try authorization.authorize(claimedParty: batch.sender, caller: context.peer)
                    let deliveries = try deliveries(of: batch, sender: sender)
                    for item in deliveries { try await inbox.deliver(item) }
                    if acknowledgements.delivered(batch.sequence, every: acknowledgeEvery) {
                        Task {
                            try? await Task.sleep(for: acknowledgeDelay)
                            acknowledgements.flush()
                        }
                    }
                } catch {
                    acknowledgements.flush()
                    let status = StatusMapping.status(for: error)
                    logger.info("peer stream ended", metadata: [
                        "peer": "\(context.peer.address)", "code": "\(status.code)", "message": "\(status.message)"])
                    throw status
                }
                guard let next = await stream.next() else {
                    acknowledgements.flush()
                    return
                }
                bytes = next
            }
        }
    }

    /// A batch's messages as inbox deliveries, after checking its addressing.
    private func deliveries(of batch: Mpc_V1_PeerBatch, sender: Int) throws(EngineError) -> [PeerInbox.Delivery] {
        guard Int(batch.receiver) == partyId else {
            throw .invalidArgument("receiver \(batch.receiver) is not this core (party \(partyId))")
        }
        var deliveries: [PeerInbox.Delivery] = []
        deliveries.reserveCapacity(batch.messages.count)
        for message in batch.messages {
            guard message.sender == batch.sender else {
                throw .invalidArgument("a batch from party \(batch.sender) holds a message of party \(message.sender)")
            }
            deliveries.append(try delivery(message, sender: sender))
        }
        return deliveries
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

/// The receiver's acknowledgements on one peer stream: the highest batch delivered and the highest acknowledged.
/// Shared by the stream's handler and its delayed-acknowledgement tasks.
final class StreamAcknowledgements: Sendable {
    private struct State {
        var delivered: UInt64 = 0
        var acknowledged: UInt64 = 0
        var flushScheduled = false
    }
    private let stream: ServerStream
    private let state = Mutex(State())

    init(stream: ServerStream) { self.stream = stream }

    /// Records batch `sequence` as delivered; acknowledges at once after `every` unacknowledged batches. True when
    /// the caller should schedule a delayed `flush` (none is pending).
    func delivered(_ sequence: UInt64, every: UInt64) -> Bool {
        let (now, schedule) = state.withLock { state -> (Bool, Bool) in
            state.delivered = max(state.delivered, sequence)
            if state.delivered - state.acknowledged >= every { return (true, false) }
            if state.flushScheduled { return (false, false) }
            state.flushScheduled = true
            return (false, true)
        }
        if now { flush() }
        return schedule
    }

    /// Acknowledges everything delivered so far (nothing if that is already acknowledged).
    func flush() {
        let sequence = state.withLock { state -> UInt64? in
            state.flushScheduled = false
            guard state.delivered > state.acknowledged else { return nil }
            state.acknowledged = state.delivered
            return state.delivered
        }
        guard let sequence else { return }
        var ack = Mpc_V1_PeerStreamAck()
        ack.acknowledged = sequence
        if let bytes: [UInt8] = try? ack.serializedBytes() { stream.send(bytes) }
    }
}
