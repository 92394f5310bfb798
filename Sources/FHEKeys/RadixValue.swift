/// An unsigned plaintext of up to 256 bits (every `FheType`, FheUint160 and FheUint256 included): four 64-bit
/// limbs, least significant first. The `(low, high)` pairs of the 128-bit API are its first two limbs.
/// Byte forms: little-endian (storage) and big-endian (Solidity's `uint256`, as in `abi.encode`).
public struct RadixValue: Sendable, Hashable, CustomStringConvertible {
    public static let maxBits = 256
    static let limbCount = 4

    /// Exactly four limbs, least significant first.
    public private(set) var limbs: [UInt64]

    /// Up to four limbs, least significant first (missing limbs are zero).
    public init(limbs: [UInt64]) throws(FHEError) {
        guard limbs.count <= Self.limbCount else { throw .unsupportedBitWidth(64 * limbs.count) }
        self.limbs = limbs + [UInt64](repeating: 0, count: Self.limbCount - limbs.count)
    }

    public init(_ value: UInt64) { limbs = [value, 0, 0, 0] }
    public init(low: UInt64, high: UInt64) { limbs = [low, high, 0, 0] }
    public static let zero = RadixValue(0)

    /// From at most 32 bytes, least significant first.
    public init(littleEndianBytes bytes: [UInt8]) throws(FHEError) {
        guard bytes.count <= 8 * Self.limbCount else { throw .unsupportedBitWidth(8 * bytes.count) }
        var limbs = [UInt64](repeating: 0, count: Self.limbCount)
        for (index, byte) in bytes.enumerated() { limbs[index / 8] |= UInt64(byte) << UInt64(8 * (index % 8)) }
        self.limbs = limbs
    }

    /// From at most 32 bytes, most significant first (Solidity's uint256 encoding).
    public init(bigEndianBytes bytes: [UInt8]) throws(FHEError) {
        try self.init(littleEndianBytes: bytes.reversed())
    }

    /// 32 bytes, least significant first.
    public var littleEndianBytes: [UInt8] {
        limbs.flatMap { limb in (0..<8).map { UInt8(truncatingIfNeeded: limb >> UInt64(8 * $0)) } }
    }

    /// 32 bytes, most significant first.
    public var bigEndianBytes: [UInt8] { littleEndianBytes.reversed() }

    /// The low 128 bits as the `(low, high)` words of the 128-bit API.
    public var wide: (low: UInt64, high: UInt64) { (limbs[0], limbs[1]) }

    /// Number of significant bits (0 for zero).
    public var bitWidth: Int {
        for index in stride(from: Self.limbCount - 1, through: 0, by: -1) where limbs[index] != 0 {
            return 64 * index + 64 - limbs[index].leadingZeroBitCount
        }
        return 0
    }

    /// Bit `index` (0 = least significant); 0 beyond 256.
    public func bit(_ index: Int) -> UInt64 {
        guard index >= 0, index < Self.maxBits else { return 0 }
        return (limbs[index / 64] >> UInt64(index % 64)) & 1
    }

    /// The `bits`-bit digit starting at bit `index · bits` (radix block `index` for bits = message bits).
    public func digit(_ index: Int, bits: Int) -> UInt64 {
        precondition(bits >= 1 && bits <= 64, "digit width \(bits)")
        var value: UInt64 = 0
        for k in 0..<bits { value |= bit(index * bits + k) << UInt64(k) }
        return value
    }

    /// The low `bits` bits (the value an `FheType` of that width holds).
    public func truncated(toBits bits: Int) -> RadixValue {
        var copy = self
        for index in 0..<Self.limbCount {
            let start = 64 * index
            if bits <= start { copy.limbs[index] = 0 } else if bits < start + 64 {
                copy.limbs[index] &= (UInt64(1) << UInt64(bits - start)) - 1
            }
        }
        return copy
    }

    /// Σ digits[i]·2^(i·bitsPerDigit), each digit taken mod 2^bitsPerDigit: the value of decrypted radix blocks.
    /// Throws if a set bit lies beyond bit 255.
    public init(digits: [UInt64], bitsPerDigit: Int) throws(FHEError) {
        guard bitsPerDigit >= 1, bitsPerDigit <= 64 else { throw .unsupportedBitWidth(bitsPerDigit) }
        var limbs = [UInt64](repeating: 0, count: Self.limbCount)
        let mask: UInt64 = bitsPerDigit == 64 ? .max : (1 << UInt64(bitsPerDigit)) - 1
        for (index, digit) in digits.enumerated() {
            for k in 0..<bitsPerDigit where (digit & mask) >> UInt64(k) & 1 == 1 {
                let position = index * bitsPerDigit + k
                guard position < Self.maxBits else { throw .unsupportedBitWidth(position + 1) }
                limbs[position / 64] |= 1 << UInt64(position % 64)
            }
        }
        self.limbs = limbs
    }

    /// A uniformly random value of `bits` bits.
    public static func random<G: RandomNumberGenerator>(bits: Int, using generator: inout G) -> RadixValue {
        RadixValue(unchecked: (0..<limbCount).map { _ in generator.next() }).truncated(toBits: bits)
    }

    private init(unchecked limbs: [UInt64]) { self.limbs = limbs }

    /// Lower-case hexadecimal without leading zeros ("0" for zero).
    public var description: String {
        let hex = limbs.reversed().map { limb -> String in
            let digits = String(limb, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
        let trimmed = hex.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
