/// The Keccak-f[1600] permutation and sponge of FIPS 202, behind SHA3-256 and SHAKE256.
@usableFromInline
struct KeccakSponge: Sendable {
    @usableFromInline var lanes: [UInt64] = Array(repeating: 0, count: 25)
    /// Rate in bytes (136 for SHA3-256 and SHAKE256).
    @usableFromInline let rate: Int
    /// Domain-separation suffix byte: 0x06 for SHA-3, 0x1F for SHAKE.
    @usableFromInline let suffix: UInt8
    @usableFromInline var position = 0
    @usableFromInline var squeezing = false

    @usableFromInline
    init(rate: Int, suffix: UInt8) {
        self.rate = rate
        self.suffix = suffix
    }

    static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]

    @usableFromInline
    mutating func permute() {
        lanes.withUnsafeMutableBufferPointer { lane in
            Self.roundConstants.withUnsafeBufferPointer { constants in
                var a0 = lane[0]; var a1 = lane[1]; var a2 = lane[2]; var a3 = lane[3]; var a4 = lane[4]; var a5 = lane[5]; var a6 = lane[6]; var a7 = lane[7]; var a8 = lane[8]; var a9 = lane[9]; var a10 = lane[10]; var a11 = lane[11]; var a12 = lane[12]; var a13 = lane[13]; var a14 = lane[14]; var a15 = lane[15]; var a16 = lane[16]; var a17 = lane[17]; var a18 = lane[18]; var a19 = lane[19]; var a20 = lane[20]; var a21 = lane[21]; var a22 = lane[22]; var a23 = lane[23]; var a24 = lane[24]
                for round in 0..<24 {
                    // θ
                    let c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20
                    let c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21
                    let c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22
                    let c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23
                    let c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24
                    let d0 = c4 ^ ((c1 << 1) | (c1 >> 63))
                    let d1 = c0 ^ ((c2 << 1) | (c2 >> 63))
                    let d2 = c1 ^ ((c3 << 1) | (c3 >> 63))
                    let d3 = c2 ^ ((c4 << 1) | (c4 >> 63))
                    let d4 = c3 ^ ((c0 << 1) | (c0 >> 63))
                    a0 ^= d0
                    a1 ^= d1
                    a2 ^= d2
                    a3 ^= d3
                    a4 ^= d4
                    a5 ^= d0
                    a6 ^= d1
                    a7 ^= d2
                    a8 ^= d3
                    a9 ^= d4
                    a10 ^= d0
                    a11 ^= d1
                    a12 ^= d2
                    a13 ^= d3
                    a14 ^= d4
                    a15 ^= d0
                    a16 ^= d1
                    a17 ^= d2
                    a18 ^= d3
                    a19 ^= d4
                    a20 ^= d0
                    a21 ^= d1
                    a22 ^= d2
                    a23 ^= d3
                    a24 ^= d4
                    // ρ and π: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
                    let b0 = a0
                    let b16 = ((a5 << 36) | (a5 >> 28))
                    let b7 = ((a10 << 3) | (a10 >> 61))
                    let b23 = ((a15 << 41) | (a15 >> 23))
                    let b14 = ((a20 << 18) | (a20 >> 46))
                    let b10 = ((a1 << 1) | (a1 >> 63))
                    let b1 = ((a6 << 44) | (a6 >> 20))
                    let b17 = ((a11 << 10) | (a11 >> 54))
                    let b8 = ((a16 << 45) | (a16 >> 19))
                    let b24 = ((a21 << 2) | (a21 >> 62))
                    let b20 = ((a2 << 62) | (a2 >> 2))
                    let b11 = ((a7 << 6) | (a7 >> 58))
                    let b2 = ((a12 << 43) | (a12 >> 21))
                    let b18 = ((a17 << 15) | (a17 >> 49))
                    let b9 = ((a22 << 61) | (a22 >> 3))
                    let b5 = ((a3 << 28) | (a3 >> 36))
                    let b21 = ((a8 << 55) | (a8 >> 9))
                    let b12 = ((a13 << 25) | (a13 >> 39))
                    let b3 = ((a18 << 21) | (a18 >> 43))
                    let b19 = ((a23 << 56) | (a23 >> 8))
                    let b15 = ((a4 << 27) | (a4 >> 37))
                    let b6 = ((a9 << 20) | (a9 >> 44))
                    let b22 = ((a14 << 39) | (a14 >> 25))
                    let b13 = ((a19 << 8) | (a19 >> 56))
                    let b4 = ((a24 << 14) | (a24 >> 50))
                    // χ
                    a0 = b0 ^ (~b1 & b2)
                    a1 = b1 ^ (~b2 & b3)
                    a2 = b2 ^ (~b3 & b4)
                    a3 = b3 ^ (~b4 & b0)
                    a4 = b4 ^ (~b0 & b1)
                    a5 = b5 ^ (~b6 & b7)
                    a6 = b6 ^ (~b7 & b8)
                    a7 = b7 ^ (~b8 & b9)
                    a8 = b8 ^ (~b9 & b5)
                    a9 = b9 ^ (~b5 & b6)
                    a10 = b10 ^ (~b11 & b12)
                    a11 = b11 ^ (~b12 & b13)
                    a12 = b12 ^ (~b13 & b14)
                    a13 = b13 ^ (~b14 & b10)
                    a14 = b14 ^ (~b10 & b11)
                    a15 = b15 ^ (~b16 & b17)
                    a16 = b16 ^ (~b17 & b18)
                    a17 = b17 ^ (~b18 & b19)
                    a18 = b18 ^ (~b19 & b15)
                    a19 = b19 ^ (~b15 & b16)
                    a20 = b20 ^ (~b21 & b22)
                    a21 = b21 ^ (~b22 & b23)
                    a22 = b22 ^ (~b23 & b24)
                    a23 = b23 ^ (~b24 & b20)
                    a24 = b24 ^ (~b20 & b21)
                    // ι
                    a0 ^= constants[round]
                }
                lane[0] = a0; lane[1] = a1; lane[2] = a2; lane[3] = a3; lane[4] = a4; lane[5] = a5; lane[6] = a6; lane[7] = a7; lane[8] = a8; lane[9] = a9; lane[10] = a10; lane[11] = a11; lane[12] = a12; lane[13] = a13; lane[14] = a14; lane[15] = a15; lane[16] = a16; lane[17] = a17; lane[18] = a18; lane[19] = a19; lane[20] = a20; lane[21] = a21; lane[22] = a22; lane[23] = a23; lane[24] = a24
            }
        }
    }


    @usableFromInline
    mutating func absorb(_ bytes: some Sequence<UInt8>) {
        precondition(!squeezing, "cannot absorb after squeezing")
        if let array = bytes as? [UInt8] {
            absorbContiguous(array)
            return
        }
        absorbBytewise(bytes)
    }

    /// Word-at-a-time absorption while aligned to a lane, byte-wise for the ragged ends.
    mutating func absorbContiguous(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count, position & 7 != 0 {
                absorbByte(raw[offset])
                offset += 1
            }
            while raw.count - offset >= 8 {
                let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                lanes[position >> 3] ^= word
                position += 8
                offset += 8
                if position == rate {
                    permute()
                    position = 0
                }
            }
            while offset < raw.count {
                absorbByte(raw[offset])
                offset += 1
            }
        }
    }

    @inline(__always)
    mutating func absorbByte(_ byte: UInt8) {
        lanes[position >> 3] ^= UInt64(byte) << (8 * UInt64(position & 7))
        position += 1
        if position == rate {
            permute()
            position = 0
        }
    }

    mutating func absorbBytewise(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            lanes[position >> 3] ^= UInt64(byte) << (8 * UInt64(position & 7))
            position += 1
            if position == rate {
                permute()
                position = 0
            }
        }
    }

    @usableFromInline
    mutating func finishAbsorbing() {
        lanes[position >> 3] ^= UInt64(suffix) << (8 * UInt64(position & 7))
        lanes[(rate - 1) >> 3] ^= UInt64(0x80) << (8 * UInt64((rate - 1) & 7))
        permute()
        position = 0
        squeezing = true
    }

    @usableFromInline
    mutating func squeeze(count: Int) -> [UInt8] {
        if !squeezing { finishAbsorbing() }
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            if position == rate {
                permute()
                position = 0
            }
            out.append(UInt8(truncatingIfNeeded: lanes[position >> 3] >> (8 * UInt64(position & 7))))
            position += 1
        }
        return out
    }

    /// The next 64-bit little-endian word of the output stream (position must be word-aligned).
    @usableFromInline
    mutating func squeezeWord() -> UInt64 {
        if !squeezing { finishAbsorbing() }
        if position == rate {
            permute()
            position = 0
        }
        let word = lanes[position >> 3]
        position += 8
        return word
    }
}

/// SHA3-256 (FIPS 202): key digests and commitments.
public enum SHA3_256 {
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var sponge = KeccakSponge(rate: 136, suffix: 0x06)
        sponge.absorb(bytes)
        return sponge.squeeze(count: 32)
    }
}

/// SHAKE256 (FIPS 202), an extendable-output function.
public struct SHAKE256: Sendable {
    @usableFromInline var sponge = KeccakSponge(rate: 136, suffix: 0x1F)

    public init() {}

    public mutating func absorb(_ bytes: some Sequence<UInt8>) { sponge.absorb(bytes) }

    public mutating func squeeze(count: Int) -> [UInt8] { sponge.squeeze(count: count) }
}
