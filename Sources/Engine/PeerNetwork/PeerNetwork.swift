import GRPCCore
import Logging
import MPCProtocols

/// The `Network` of MPCProtocols over mpc.v1.PeerService (DESIGN §6): sends go to the receiver's outbound
/// queue, receives read this core's inbox. The protocols run unchanged between processes.
public struct PeerNetwork: Network {
    public let partyID: Int
    public let partyCount: Int
    let inbox: PeerInbox
    let outboxes: [Int: PeerOutbox]
    /// How long an outgoing message is retried before it is dropped (the session deadline).
    let messageLifetime: Duration

    public func send(_ payload: [UInt8], to party: Int, session: SessionID, round: Int) async throws {
        guard let outbox = outboxes[party] else {
            throw MPCError.invalidParameters("no party \(party) in this network of \(partyCount)")
        }
        await outbox.enqueue(payload, session: session, round: round, lifetime: messageLifetime)
    }

    public func receive(from party: Int, session: SessionID, round: Int, timeout: Duration) async throws -> [UInt8]? {
        await inbox.receive(PeerInbox.Key(session: session, round: UInt64(round), sender: party), timeout: timeout)
    }

    public func receiveEach(from parties: [Int], session: SessionID, round: Int, timeout: Duration, extra: Duration) async -> RoundReceiver {
        await inbox.receiveEach(
            parties.map { PeerInbox.Key(session: session, round: UInt64(round), sender: $0) }, timeout: timeout, extra: extra)
    }
}

/// The outbound channels and queues of one party set (a context): one `PeerOutbox` per other party.
public final class PeerLinks: Sendable {
    public struct Party: Sendable, Equatable {
        public var partyId: Int
        /// host:port of the party's peer endpoint.
        public var address: String
        /// Name the party's certificate must carry.
        public var identity: String
        public init(partyId: Int, address: String, identity: String) {
            self.partyId = partyId
            self.address = address
            self.identity = identity
        }
    }

    public let partyID: Int
    public let parties: [Party]
    let inbox: PeerInbox
    let outboxes: [Int: PeerOutbox]
    let channels: [Int: GRPCChannel]

    /// `makeChannel` builds the pinned mutual-TLS channel to one party (see `TLSMaterial`).
    init(
        partyID: Int, parties: [Party], inbox: PeerInbox, limits: PeerOutbox.Limits, logger: Logger,
        makeChannel: (Party) throws -> GRPCChannel
    ) throws {
        self.partyID = partyID
        self.parties = parties
        self.inbox = inbox
        var outboxes: [Int: PeerOutbox] = [:]
        var channels: [Int: GRPCChannel] = [:]
        for party in parties where party.partyId != partyID {
            let channel = try makeChannel(party)
            channels[party.partyId] = channel
            outboxes[party.partyId] = PeerOutbox(
                sender: partyID, receiver: party.partyId, channel: channel, limits: limits, logger: logger)
        }
        self.outboxes = outboxes
        self.channels = channels
    }

    /// The `Network` protocols use; `lifetime` bounds how long a message is retried.
    public func network(messageLifetime: Duration) -> PeerNetwork {
        PeerNetwork(partyID: partyID, partyCount: parties.count, inbox: inbox, outboxes: outboxes, messageLifetime: messageLifetime)
    }

    /// Bytes delivered to each other party so far, by party id.
    public func bytesDelivered() -> [Int: Int] { outboxes.mapValues(\.deliveredBytes) }

    /// Ends the streams (nothing queued is sent any more) and closes the channels.
    public func close() {
        for outbox in outboxes.values { Task { await outbox.close() } }
        for channel in channels.values { channel.close() }
    }
}
