import Algebra

/// An encrypted unsigned integer as a little-endian list of 2-bit message blocks, each an LWE ciphertext
/// with 2 carry bits of headroom (tfhe-rs radix representation). FheBool is one block holding 0 or 1.
public struct RadixCiphertext: Sendable, Equatable {
    public var blocks: [LWECiphertext]
    public let bitWidth: Int
    public init(blocks: [LWECiphertext], bitWidth: Int) { self.blocks = blocks; self.bitWidth = bitWidth }
}

/// Supported widths (FheBool = 1). Values wider than 128 bits are `RadixValue`s (RadixValue.swift).
public enum FheType: Int, Sendable, CaseIterable {
    case bool = 1, uint4 = 4, uint8 = 8, uint16 = 16, uint32 = 32, uint64 = 64, uint128 = 128, uint160 = 160, uint256 = 256
    /// Number of 2-bit blocks.
    public var blockCount: Int { max(1, rawValue / 2) }
}

extension ClientKey {
    /// Encrypts the low `type.rawValue` bits of `value` (given as two 64-bit words, low first; the blocks of a
    /// 160- or 256-bit type above bit 128 encrypt 0 — see `encrypt(_: RadixValue, as:using:)`).
    public func encrypt<G: RandomNumberGenerator>(_ value: (low: UInt64, high: UInt64), as type: FheType, using generator: inout G) -> RadixCiphertext {
        let blocks = (0..<type.blockCount).map { i -> LWECiphertext in
            let bit = 2 * i
            let word = bit < 64 ? value.low >> UInt64(bit) : value.high >> UInt64(bit - 64)
            return encrypt(type == .bool ? word & 1 : word & 3, using: &generator)
        }
        return RadixCiphertext(blocks: blocks, bitWidth: type.rawValue)
    }
    public func encrypt<G: RandomNumberGenerator>(_ value: UInt64, as type: FheType, using generator: inout G) -> RadixCiphertext {
        encrypt((value, 0), as: type, using: &generator)
    }

    /// Decrypts (message bits of each block) to two 64-bit words, low first.
    public func decryptWide(_ ciphertext: RadixCiphertext) -> (low: UInt64, high: UInt64) {
        var low: UInt64 = 0, high: UInt64 = 0
        for (i, block) in ciphertext.blocks.enumerated() {
            let digit = decrypt(block) % parameters.messageModulus
            let bit = 2 * i
            if bit < 64 { low |= digit << UInt64(bit) } else { high |= digit << UInt64(bit - 64) }
        }
        return (low, high)
    }
    public func decrypt(_ ciphertext: RadixCiphertext) -> UInt64 { decryptWide(ciphertext).low }
}

extension ServerKey {
    func trivial(_ message: UInt64) -> LWECiphertext {
        .trivial(dimension: parameters.lweDimension, plaintext: Encoding.encode(message, parameters))
    }
    /// PBS of f(x·4 + y) on two blocks whose values are < 4.
    func bivariate(_ x: LWECiphertext, _ y: LWECiphertext, _ f: (UInt64, UInt64) -> UInt64) -> LWECiphertext {
        let m = parameters.messageModulus
        return apply(x.scaled(by: m) + y) { f($0 / m, $0 % m) }
    }

    /// Sequential carry propagation: block_i += carry; carry = block_i / 4; block_i %= 4 (two PBS per block).
    func propagate(_ blocks: [LWECiphertext], bitWidth: Int) -> RadixCiphertext {
        let m = parameters.messageModulus
        var out: [LWECiphertext] = []
        var carry: LWECiphertext?
        for block in blocks {
            let sum = carry.map { block + $0 } ?? block
            out.append(apply(sum) { $0 % m })
            carry = apply(sum) { $0 / m }
        }
        return RadixCiphertext(blocks: out, bitWidth: bitWidth)
    }

    public func add(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        propagate(zip(x.blocks, y.blocks).map { $0 + $1 }, bitWidth: x.bitWidth)
    }
    /// x − y = x + ¬y + 1 (mod 2^w); ¬ on a block is the linear 3 − b.
    public func sub(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        var blocks = zip(x.blocks, y.bitwiseNot(self).blocks).map { $0 + $1 }
        blocks[0] = blocks[0] + trivial(1)
        return propagate(blocks, bitWidth: x.bitWidth)
    }
    public func scalarAdd(_ x: RadixCiphertext, _ scalar: UInt64) -> RadixCiphertext {
        let blocks = x.blocks.enumerated().map { i, b in
            2 * i < 64 ? b + trivial((scalar >> UInt64(2 * i)) & 3) : b
        }
        return propagate(blocks, bitWidth: x.bitWidth)
    }
    /// Double-and-add over the scalar's bits.
    public func scalarMul(_ x: RadixCiphertext, _ scalar: UInt64) -> RadixCiphertext {
        var acc = RadixCiphertext(blocks: x.blocks.map { _ in trivial(0) }, bitWidth: x.bitWidth)
        guard scalar != 0 else { return acc }
        for bit in stride(from: 63 - scalar.leadingZeroBitCount, through: 0, by: -1) {
            acc = add(acc, acc)
            if (scalar >> UInt64(bit)) & 1 == 1 { acc = add(acc, x) }
        }
        return acc
    }
    public func and(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        RadixCiphertext(blocks: zip(x.blocks, y.blocks).map { bivariate($0, $1, &) }, bitWidth: x.bitWidth)
    }
    public func or(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        RadixCiphertext(blocks: zip(x.blocks, y.blocks).map { bivariate($0, $1, |) }, bitWidth: x.bitWidth)
    }
    public func xor(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        RadixCiphertext(blocks: zip(x.blocks, y.blocks).map { bivariate($0, $1, ^) }, bitWidth: x.bitWidth)
    }
    public func not(_ x: RadixCiphertext) -> RadixCiphertext { x.bitwiseNot(self) }

    /// FheBool: all blocks equal (AND-reduction of per-block equality bits).
    public func eq(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        var acc: LWECiphertext?
        for (a, b) in zip(x.blocks, y.blocks) {
            let e = bivariate(a, b) { $0 == $1 ? 1 : 0 }
            acc = acc.map { bivariate($0, e, &) } ?? e
        }
        return RadixCiphertext(blocks: [acc!], bitWidth: 1)
    }
    /// Per-block sign (0 less, 1 equal, 2 greater), combined from the least significant block upwards.
    func compare(_ x: RadixCiphertext, _ y: RadixCiphertext) -> LWECiphertext {
        var acc: LWECiphertext?
        for (a, b) in zip(x.blocks, y.blocks) {
            let c = bivariate(a, b) { $0 < $1 ? 0 : ($0 == $1 ? 1 : 2) }
            acc = acc.map { bivariate(c, $0) { high, low in high == 1 ? low : high } } ?? c
        }
        return acc!
    }
    public func lt(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        RadixCiphertext(blocks: [apply(compare(x, y)) { $0 == 0 ? 1 : 0 }], bitWidth: 1)
    }
    public func gt(_ x: RadixCiphertext, _ y: RadixCiphertext) -> RadixCiphertext {
        RadixCiphertext(blocks: [apply(compare(x, y)) { $0 == 2 ? 1 : 0 }], bitWidth: 1)
    }
}

extension RadixCiphertext {
    /// Linear NOT: (2^bits − 1) − b per block (1 − b for FheBool).
    func bitwiseNot(_ server: ServerKey) -> RadixCiphertext {
        let top: UInt64 = bitWidth == 1 ? 1 : server.parameters.messageModulus - 1
        return RadixCiphertext(blocks: blocks.map { server.trivial(top) - $0 }, bitWidth: bitWidth)
    }
}
