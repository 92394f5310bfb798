import Foundation
import GRPCCore
import KMSAPI
import Logging
import MPCProtocols
import SwiftProtobuf
import Synchronization

/// The outbound side of the peer network towards one peer (DESIGN §6): a bounded queue drained by one task,
/// which batches small messages into one DeliverBatch call, splits payloads above the chunk size, and retries
/// with exponential backoff until each message's deadline (UNAVAILABLE, DEADLINE_EXCEEDED and
/// RESOURCE_EXHAUSTED are retried: the peer is down, slow, or its quota for us is full). A sender whose queue is
/// full waits: memory stays bounded and back-pressure reaches the protocol.
actor PeerOutbox {
    struct Limits: Sendable {
        /// Bytes queued at most; `enqueue` waits beyond this.
        var queueBytes = 64 << 20
        /// A DeliverBatch call carries at most this many payload bytes…
        var batchBytes = 1 << 20
        /// …and this many messages.
        var batchMessages = 512
        /// Payloads above this travel in chunks (below the gRPC message limit, with room for the envelope).
        var chunkBytes = 1 << 20
        /// Timeout of one DeliverBatch call.
        var callTimeout: Duration = .seconds(10)
        var initialBackoff: Duration = .milliseconds(20)
        var maximumBackoff: Duration = .seconds(1)
    }

    private struct Outgoing {
        var message: Mpc_V1_PeerMessage
        var size: Int
        var expires: ContinuousClock.Instant
    }

    let sender: Int
    let receiver: Int
    let limits: Limits
    private let channel: GRPCChannel
    private let logger: Logger
    private let clock = ContinuousClock()
    private var queue: [Outgoing] = []
    private var head = 0
    private var queuedBytes = 0
    private var spaceWaiters: [CheckedContinuation<Void, Never>] = []
    private var draining = false
    /// Bytes of DeliverBatch requests the peer accepted (health and metrics: bytes per peer).
    private let delivered = Atomic<Int>(0)
    nonisolated var deliveredBytes: Int { delivered.load(ordering: .relaxed) }

    init(sender: Int, receiver: Int, channel: GRPCChannel, limits: Limits, logger: Logger) {
        self.sender = sender
        self.receiver = receiver
        self.channel = channel
        self.limits = limits
        self.logger = logger
    }

    /// Queues one protocol message (in chunks if large) for delivery until `lifetime` from now.
    func enqueue(_ payload: [UInt8], session: SessionID, round: Int, lifetime: Duration) async {
        let expires = clock.now + lifetime
        let chunkCount = max(1, (payload.count + limits.chunkBytes - 1) / limits.chunkBytes)
        for index in 0..<chunkCount {
            while queuedBytes > 0, queuedBytes + min(payload.count, limits.chunkBytes) > limits.queueBytes {
                await withCheckedContinuation { spaceWaiters.append($0) }
            }
            var message = Mpc_V1_PeerMessage()
            message.sessionID = Data(session.bytes)
            message.round = UInt64(round)
            message.sender = UInt32(sender)
            message.receiver = UInt32(receiver)
            let range = (index * limits.chunkBytes)..<min(payload.count, (index + 1) * limits.chunkBytes)
            message.payload = Data(payload[range])
            if chunkCount > 1 {
                message.chunkIndex = UInt32(index)
                message.chunkCount = UInt32(chunkCount)
            }
            queue.append(Outgoing(message: message, size: range.count, expires: expires))
            queuedBytes += range.count
        }
        if !draining {
            draining = true
            Task { await self.drain() }
        }
    }

    /// Sends batches until the queue is empty.
    private func drain() async {
        var backoff = limits.initialBackoff
        while true {
            dropExpired()
            guard head < queue.count else { break }
            var count = 0, bytes = 0
            while head + count < queue.count, count < limits.batchMessages,
                  count == 0 || bytes + queue[head + count].size <= limits.batchBytes {
                bytes += queue[head + count].size
                count += 1
            }
            var batch = Mpc_V1_PeerBatch()
            batch.sender = UInt32(sender)
            batch.receiver = UInt32(receiver)
            batch.messages = queue[head..<(head + count)].map(\.message)
            do {
                let request: [UInt8] = try batch.serializedBytes()
                _ = try await channel.unary(method: PeerServiceMethod.deliverBatch.path, request: request, timeout: limits.callTimeout)
                delivered.add(request.count, ordering: .relaxed)
                remove(count)
                backoff = limits.initialBackoff
            } catch let status as GRPCStatus where Self.isRetryable(status.code) {
                logger.debug("peer delivery retried", metadata: [
                    "peer": "\(receiver)", "code": "\(status.code)", "backoff_ms": "\(backoff.components.seconds * 1000 + backoff.components.attoseconds / 1_000_000_000_000_000)"])
                try? await clock.sleep(for: backoff)
                backoff = min(backoff * 2, limits.maximumBackoff)
            } catch {
                logger.warning("peer refused messages; dropped", metadata: ["peer": "\(receiver)", "error": "\(error)", "messages": "\(count)"])
                remove(count)
            }
        }
        draining = false
    }

    private static func isRetryable(_ code: GRPCStatusCode) -> Bool {
        code == .unavailable || code == .deadlineExceeded || code == .resourceExhausted || code == .unknown || code == .cancelled
    }

    private func dropExpired() {
        let now = clock.now
        var dropped = 0
        while head < queue.count, queue[head].expires <= now {
            dropped += 1
            remove(1)
        }
        if dropped > 0 {
            logger.warning("peer messages expired undelivered", metadata: ["peer": "\(receiver)", "messages": "\(dropped)"])
        }
    }

    /// Removes the first `count` queued messages and wakes senders waiting for room.
    private func remove(_ count: Int) {
        for index in head..<(head + count) { queuedBytes -= queue[index].size }
        head += count
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 {
            queue.removeFirst(head)
            head = 0
        }
        let waiting = spaceWaiters
        spaceWaiters.removeAll()
        for waiter in waiting { waiter.resume() }
    }
}
