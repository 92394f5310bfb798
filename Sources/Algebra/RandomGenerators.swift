/// A deterministic random stream: SHAKE256(domain ‖ 0x00 ‖ seed). Masks of seeded (compressed) keys and
/// PRSS outputs are drawn from it, so a seed stands for the whole stream. Two different domains give
/// independent streams from one seed.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var sponge = KeccakSponge(rate: 136, suffix: 0x1F)

    public init(seed: [UInt8], domain: String) {
        sponge.absorb(Array(domain.utf8))
        sponge.absorb([0])
        sponge.absorb(seed)
        sponge.finishAbsorbing()
    }

    @inlinable
    public mutating func next() -> UInt64 { sponge.squeezeWord() }
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
