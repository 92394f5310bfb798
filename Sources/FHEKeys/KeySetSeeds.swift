import Algebra

/// The public seeds of one key set, all derived from one 32-byte seed: the masks of the public key, the
/// key-switching key and the bootstrapping key are expanded from them (DESIGN §3.4: "joint public seed → all
/// masks"). The centralized key generation and the threshold DKG derive them the same way, so both produce
/// keys in one format.
public struct KeySetSeeds: Sendable, Equatable {
    public let root: [UInt8]

    public init(root: [UInt8]) {
        precondition(root.count == FHESerialization.seedLength, "a key-set seed is 32 bytes")
        self.root = root
    }

    public var publicKey: [UInt8] { SHA3_256.hash(root + [0x50]) }
    public var keySwitchingKey: [UInt8] { SHA3_256.hash(root + [0x4B]) }
    public var bootstrappingKey: [UInt8] { SHA3_256.hash(root + [0x42]) }
    public var modulusSwitchNoiseReduction: [UInt8] { SHA3_256.hash(root + [0x5A]) }
}
