/// The Keccak-f[1600] permutation and sponge of FIPS 202, behind SHA3-256 and SHAKE256; with 12 rounds
/// (Keccak-p[1600, 12]) the sponge of TurboSHAKE (RFC 9861).
@usableFromInline
struct KeccakSponge: Sendable {
    @usableFromInline var lanes: [UInt64] = Array(repeating: 0, count: 25)
    /// Rate in bytes (136 for SHA3-256 and SHAKE256).
    @usableFromInline let rate: Int
    /// Domain-separation suffix byte: 0x06 for SHA-3, 0x1F for SHAKE.
    @usableFromInline let suffix: UInt8
    @usableFromInline var position = 0
    @usableFromInline var squeezing = false
    /// Number of rounds: 24 for Keccak-f[1600] (FIPS 202), 12 for Keccak-p[1600, 12] (TurboSHAKE).
    @usableFromInline let rounds: Int

    @usableFromInline
    init(rate: Int, suffix: UInt8, rounds: Int = 24) {
        precondition(rounds == 24 || rounds == 12, "Keccak-p[1600] with 24 or 12 rounds")
        self.rate = rate
        self.suffix = suffix
        self.rounds = rounds
    }

    static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]

    /// Overwrites the state (which determines all further output) with zeros; the sponge is unusable after.
    @usableFromInline
    mutating func wipe() {
        lanes.withUnsafeMutableBufferPointer { lane in
            for i in 0..<lane.count { lane[i] = 0 }
        }
        position = 0
    }

    /// Keccak-p[1600, rounds]: the last `rounds` rounds of Keccak-f[1600] (round indices 24 − rounds … 23).
    @usableFromInline
    mutating func permute() {
        let firstRound = 24 - rounds
        lanes.withUnsafeMutableBufferPointer { lane in
            Self.roundConstants.withUnsafeBufferPointer { constants in
                var a0 = lane[0]; var a1 = lane[1]; var a2 = lane[2]; var a3 = lane[3]; var a4 = lane[4]; var a5 = lane[5]; var a6 = lane[6]; var a7 = lane[7]; var a8 = lane[8]; var a9 = lane[9]; var a10 = lane[10]; var a11 = lane[11]; var a12 = lane[12]; var a13 = lane[13]; var a14 = lane[14]; var a15 = lane[15]; var a16 = lane[16]; var a17 = lane[17]; var a18 = lane[18]; var a19 = lane[19]; var a20 = lane[20]; var a21 = lane[21]; var a22 = lane[22]; var a23 = lane[23]; var a24 = lane[24]
                for round in firstRound..<24 {
                    // θ: column parities and the per-column xor d_x.
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
                    // ρ, π and χ one output row at a time (same speed as all 25 B lanes first; measured):
                    // B[y, 2x + 3y] = rot(A[x, y] ^ d_x, r[x, y]); E = B ^ (~B[x+1] & B[x+2]) within the row.
                    let b00 = (a0 ^ d0)
                    let t01 = a6 ^ d1
                    let b01 = (t01 << 44) | (t01 >> 20)
                    let t02 = a12 ^ d2
                    let b02 = (t02 << 43) | (t02 >> 21)
                    let t03 = a18 ^ d3
                    let b03 = (t03 << 21) | (t03 >> 43)
                    let t04 = a24 ^ d4
                    let b04 = (t04 << 14) | (t04 >> 50)
                    let e0 = b00 ^ (~b01 & b02)
                    let e1 = b01 ^ (~b02 & b03)
                    let e2 = b02 ^ (~b03 & b04)
                    let e3 = b03 ^ (~b04 & b00)
                    let e4 = b04 ^ (~b00 & b01)
                    let t10 = a3 ^ d3
                    let b10 = (t10 << 28) | (t10 >> 36)
                    let t11 = a9 ^ d4
                    let b11 = (t11 << 20) | (t11 >> 44)
                    let t12 = a10 ^ d0
                    let b12 = (t12 << 3) | (t12 >> 61)
                    let t13 = a16 ^ d1
                    let b13 = (t13 << 45) | (t13 >> 19)
                    let t14 = a22 ^ d2
                    let b14 = (t14 << 61) | (t14 >> 3)
                    let e5 = b10 ^ (~b11 & b12)
                    let e6 = b11 ^ (~b12 & b13)
                    let e7 = b12 ^ (~b13 & b14)
                    let e8 = b13 ^ (~b14 & b10)
                    let e9 = b14 ^ (~b10 & b11)
                    let t20 = a1 ^ d1
                    let b20 = (t20 << 1) | (t20 >> 63)
                    let t21 = a7 ^ d2
                    let b21 = (t21 << 6) | (t21 >> 58)
                    let t22 = a13 ^ d3
                    let b22 = (t22 << 25) | (t22 >> 39)
                    let t23 = a19 ^ d4
                    let b23 = (t23 << 8) | (t23 >> 56)
                    let t24 = a20 ^ d0
                    let b24 = (t24 << 18) | (t24 >> 46)
                    let e10 = b20 ^ (~b21 & b22)
                    let e11 = b21 ^ (~b22 & b23)
                    let e12 = b22 ^ (~b23 & b24)
                    let e13 = b23 ^ (~b24 & b20)
                    let e14 = b24 ^ (~b20 & b21)
                    let t30 = a4 ^ d4
                    let b30 = (t30 << 27) | (t30 >> 37)
                    let t31 = a5 ^ d0
                    let b31 = (t31 << 36) | (t31 >> 28)
                    let t32 = a11 ^ d1
                    let b32 = (t32 << 10) | (t32 >> 54)
                    let t33 = a17 ^ d2
                    let b33 = (t33 << 15) | (t33 >> 49)
                    let t34 = a23 ^ d3
                    let b34 = (t34 << 56) | (t34 >> 8)
                    let e15 = b30 ^ (~b31 & b32)
                    let e16 = b31 ^ (~b32 & b33)
                    let e17 = b32 ^ (~b33 & b34)
                    let e18 = b33 ^ (~b34 & b30)
                    let e19 = b34 ^ (~b30 & b31)
                    let t40 = a2 ^ d2
                    let b40 = (t40 << 62) | (t40 >> 2)
                    let t41 = a8 ^ d3
                    let b41 = (t41 << 55) | (t41 >> 9)
                    let t42 = a14 ^ d4
                    let b42 = (t42 << 39) | (t42 >> 25)
                    let t43 = a15 ^ d0
                    let b43 = (t43 << 41) | (t43 >> 23)
                    let t44 = a21 ^ d1
                    let b44 = (t44 << 2) | (t44 >> 62)
                    let e20 = b40 ^ (~b41 & b42)
                    let e21 = b41 ^ (~b42 & b43)
                    let e22 = b42 ^ (~b43 & b44)
                    let e23 = b43 ^ (~b44 & b40)
                    let e24 = b44 ^ (~b40 & b41)
                    a0 = e0; a1 = e1; a2 = e2; a3 = e3; a4 = e4; a5 = e5; a6 = e6; a7 = e7; a8 = e8; a9 = e9; a10 = e10; a11 = e11; a12 = e12; a13 = e13; a14 = e14; a15 = e15; a16 = e16; a17 = e17; a18 = e18; a19 = e19; a20 = e20; a21 = e21; a22 = e22; a23 = e23; a24 = e24
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

    /// Fills `words` with the next words of the output stream, a whole rate block per copy (position must be
    /// word-aligned): the bulk path of the PRSS draws.
    @usableFromInline
    mutating func squeezeWords(into words: UnsafeMutableBufferPointer<UInt64>) {
        if !squeezing { finishAbsorbing() }
        guard let base = words.baseAddress else { return }
        var filled = 0
        while filled < words.count {
            if position == rate {
                permute()
                position = 0
            }
            let available = (rate - position) >> 3
            let take = min(available, words.count - filled)
            let start = position >> 3
            lanes.withUnsafeBufferPointer { lane in
                (base + filled).update(from: lane.baseAddress! + start, count: take)
            }
            filled += take
            position += take << 3
        }
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

/// SHAKE256 (FIPS 202), an extendable-output function.
public struct SHAKE256: Sendable {
    @usableFromInline var sponge = KeccakSponge(rate: 136, suffix: 0x1F)

    public init() {}

    public mutating func absorb(_ bytes: some Sequence<UInt8>) { sponge.absorb(bytes) }

    public mutating func squeeze(count: Int) -> [UInt8] { sponge.squeeze(count: count) }
}

/// TurboSHAKE128 (RFC 9861): Keccak-p[1600, 12] sponge with rate 168 bytes, 128-bit security. About 2.5 times
/// the output rate of SHAKE256 (half the rounds, larger rate); the PRF of PRSS, where it dominates the cost.
public struct TurboSHAKE128: Sendable {
    @usableFromInline var sponge: KeccakSponge

    /// `domain`: the domain-separation byte D of RFC 9861, 0x01…0x7F.
    public init(domain: UInt8 = 0x1F) {
        precondition((0x01...0x7F).contains(domain), "TurboSHAKE domain byte must be in 0x01…0x7F")
        sponge = KeccakSponge(rate: 168, suffix: domain, rounds: 12)
    }

    public mutating func absorb(_ bytes: some Sequence<UInt8>) { sponge.absorb(bytes) }

    public mutating func squeeze(count: Int) -> [UInt8] { sponge.squeeze(count: count) }
}

/// Keccak-256 as Ethereum uses it (addresses, EIP-712): the original Keccak padding, suffix 0x01 instead of
/// SHA3-256's 0x06, same rate and rounds.
public enum Keccak256 {
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var sponge = KeccakSponge(rate: 136, suffix: 0x01)
        sponge.absorb(bytes)
        return sponge.squeeze(count: 32)
    }
}
