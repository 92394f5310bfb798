/// Messages other cores delivered through the peer service, waiting for the MPC session they belong to.
/// Bounded: when full, new messages are refused (RESOURCE_EXHAUSTED) instead of growing without limit.
public actor PeerMailbox {
    public struct Key: Hashable, Sendable {
        public var sessionId: [UInt8]
        public var round: UInt64
        public var sender: Int
    }

    public let capacity: Int
    private var messages: [Key: [UInt8]] = [:]

    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Stores one message; a second message for the same (session, round, sender) is refused.
    public func deliver(_ key: Key, payload: [UInt8]) throws(EngineError) {
        guard messages[key] == nil else {
            throw .alreadyExists("a message for this session, round and sender was already delivered")
        }
        guard messages.count < capacity else {
            throw .resourceExhausted("peer mailbox is full (\(capacity) messages)")
        }
        messages[key] = payload
    }

    /// Removes and returns the message for `key`, if it arrived.
    public func take(_ key: Key) -> [UInt8]? {
        messages.removeValue(forKey: key)
    }

    public var count: Int { messages.count }
}
