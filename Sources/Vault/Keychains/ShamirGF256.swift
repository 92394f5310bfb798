/// Shamir secret sharing (Shamir 1979, "How to share a secret") byte-wise over GF(2^8) with the AES polynomial
/// x^8 + x^4 + x^3 + x + 1: every byte of the secret is the constant term of its own random polynomial of degree
/// k − 1; share i holds the evaluations at x = i (1…255). Field arithmetic has no secret-dependent branches or
/// table look-ups.
public enum ShamirGF256 {
    /// One share: the evaluation point (1…255) and one field element per secret byte.
    public struct Share: Sendable, Equatable {
        public let x: UInt8
        public var y: [UInt8]
        public init(x: UInt8, y: [UInt8]) { self.x = x; self.y = y }
    }

    /// Multiplication in GF(2^8) (carry-less, reduced by 0x11B), constant time.
    @inline(__always) static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = a, b = b, product: UInt8 = 0
        for _ in 0..<8 {
            product ^= a & (0 &- (b & 1))
            let high = a >> 7
            a = (a << 1) ^ (0x1B & (0 &- high))
            b >>= 1
        }
        return product
    }

    /// Inverse in GF(2^8) as a^254 (a ≠ 0), constant time.
    static func inverse(_ a: UInt8) -> UInt8 {
        var result: UInt8 = 1, base = a, exponent = 254
        while exponent > 0 {
            let bit = UInt8(exponent & 1)
            let product = multiply(result, base)
            result = (product & (0 &- bit)) | (result & ~(0 &- bit))
            base = multiply(base, base)
            exponent >>= 1
        }
        return result
    }

    /// Splits `secret` into `count` shares, any `threshold` of which recover it. `randomBytes(n)` supplies the
    /// polynomial coefficients (a CSPRNG in production; a parameter so tests can vary it).
    public static func split(_ secret: [UInt8], threshold: Int, count: Int,
                             randomBytes: (Int) -> [UInt8]) throws(VaultError) -> [Share] {
        guard threshold >= 1, threshold <= count, count <= 255 else {
            throw .invalidConfiguration("Shamir needs 1 ≤ threshold (\(threshold)) ≤ count (\(count)) ≤ 255")
        }
        var coefficients = randomBytes((threshold - 1) * secret.count)
        defer { for index in coefficients.indices { coefficients[index] = 0 } }
        guard coefficients.count == (threshold - 1) * secret.count else {
            throw .invalidConfiguration("random source returned the wrong number of bytes")
        }
        var shares: [Share] = []
        for index in 1...count {
            let x = UInt8(index)
            var y = [UInt8](repeating: 0, count: secret.count)
            for byte in 0..<secret.count {
                // Horner: a0 + x(a1 + x(a2 + …)), coefficients a1… stored per degree.
                var value: UInt8 = 0
                for degree in stride(from: threshold - 1, through: 1, by: -1) {
                    value = multiply(value, x) ^ coefficients[(degree - 1) * secret.count + byte]
                }
                y[byte] = multiply(value, x) ^ secret[byte]
            }
            shares.append(Share(x: x, y: y))
        }
        return shares
    }

    /// Lagrange interpolation at x = 0 of the given shares (distinct nonzero x, equal lengths). With fewer than
    /// the threshold the result is unrelated to the secret; the caller checks a commitment.
    public static func combine(_ shares: [Share]) throws(VaultError) -> [UInt8] {
        guard let length = shares.first?.y.count else { throw .notEnoughShares(have: 0, need: 1) }
        guard shares.allSatisfy({ $0.y.count == length && $0.x != 0 }),
              Set(shares.map(\.x)).count == shares.count
        else { throw .custodianShareRejected(reason: "shares have duplicate or zero indices or different lengths") }
        var secret = [UInt8](repeating: 0, count: length)
        for (i, share) in shares.enumerated() {
            // Basis polynomial at 0: Π_{j≠i} x_j / (x_j − x_i); subtraction is XOR in GF(2^8).
            var numerator: UInt8 = 1, denominator: UInt8 = 1
            for (j, other) in shares.enumerated() where j != i {
                numerator = multiply(numerator, other.x)
                denominator = multiply(denominator, other.x ^ share.x)
            }
            let basis = multiply(numerator, inverse(denominator))
            for byte in 0..<length { secret[byte] ^= multiply(share.y[byte], basis) }
        }
        return secret
    }
}
