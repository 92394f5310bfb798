/// A deterministic random stream: SHAKE256(domain ‖ 0x00 ‖ seed). Masks of seeded (compressed) keys and
/// PRSS outputs are drawn from it, so a seed stands for the whole stream. Two different domains give
/// independent streams from one seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var sponge: KeccakSponge

    public init(seed: [UInt8], domain: String) {
        sponge = KeccakSponge(rate: 136, suffix: 0x1F, domain: domain, seed: seed)
    }

    @inlinable
    public mutating func next() -> UInt64 { sponge.squeezeWord() }
}

/// A deterministic stream keyed by a seed for PRFs on hot paths (PRSS): TurboSHAKE128(domain ‖ 0 ‖ seed)
/// with domain byte 0x1F, read as little-endian 64-bit words; `fill` copies whole rate blocks at a time.
public struct FastSeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var sponge: KeccakSponge

    public init(seed: [UInt8], domain: String) {
        sponge = KeccakSponge(rate: 168, suffix: 0x1F, rounds: 12, domain: domain, seed: seed)
    }

    @inlinable
    public mutating func next() -> UInt64 { sponge.squeezeWord() }

    /// Zeroes the sponge state (key-derived) when the stream is no longer needed.
    public mutating func wipe() { sponge.wipe() }

    /// Fills `words` with the next words of the stream (same words `next()` would return, in order).
    @inlinable
    public mutating func fill(_ words: UnsafeMutableBufferPointer<UInt64>) { sponge.squeezeWords(into: words) }
}

/// The operating system's CSPRNG (getrandom on Linux), as a value to pass where randomness is a parameter.
public struct SecureRandom: RandomNumberGenerator, Sendable {
    public init() {}

    @inlinable
    public mutating func next() -> UInt64 {
        var system = SystemRandomNumberGenerator()
        return system.next()
    }

    /// `count` random bytes.
    public mutating func bytes(count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count {
            withUnsafeBytes(of: next().littleEndian) { out.append(contentsOf: $0) }
        }
        return Array(out.prefix(count))
    }
}

extension KeccakSponge {
    /// A sponge that has absorbed domain ‖ 0x00 ‖ seed and is ready to squeeze (the seeded generators' stream).
    init(rate: Int, suffix: UInt8, rounds: Int = 24, domain: String, seed: [UInt8]) {
        self.init(rate: rate, suffix: suffix, rounds: rounds)
        absorb(Array(domain.utf8))
        absorb([0])
        absorb(seed)
        finishAbsorbing()
    }
}
