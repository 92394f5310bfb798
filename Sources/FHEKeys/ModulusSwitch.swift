import Algebra

/// A public modulus switch of an LWE ciphertext from q = p to 2^bits: every coefficient x becomes
/// round(x·2^bits/p) mod 2^bits (docs/FHE_PARAMETERS.md, "Gadget decomposition and modulus switching"). The
/// result decrypts under the same key over Z_(2^bits) with the message at the top `plaintextBits` bits and
/// the added rounding noise (n/2 + 1)/12 in units of one step (binary key). Threshold decryption switches
/// first so that it only needs the low `bits` bits of a shared value (docs/DECRYPTION.md).
public struct SwitchedCiphertext: Sendable, Equatable {
    /// Mask and body in [0, 2^bits).
    public var mask: [UInt64]
    public var body: UInt64
    public let bits: Int
}

extension LWECiphertext {
    /// Switches to modulus 2^bits, 1 ≤ bits ≤ 31.
    public func switchedModulus(bits: Int) -> SwitchedCiphertext {
        precondition(bits >= 1 && bits <= 31, "modulus switch to 2^\(bits): need 1 ≤ bits ≤ 31")
        return SwitchedCiphertext(
            mask: mask.map { Arithmetic.roundScaleFast($0.value, bits: bits) },
            body: Arithmetic.roundScaleFast(body.value, bits: bits), bits: bits
        )
    }
}

extension SwitchedCiphertext {
    /// (b − ⟨a, s⟩) mod 2^bits for a binary key: the phase after the switch (tests and the centralized path).
    public func phase(_ key: LWESecretKey) -> UInt64 {
        var sum = body
        key.withUnsafeCoefficients { coefficients in
            for i in 0..<mask.count where coefficients[i].value != 0 { sum &-= mask[i] }
        }
        return sum & ((1 << UInt64(bits)) - 1)
    }
}
