import Algebra
import CGoldilocks

/// Key-switching key from the extracted big key (k·N) to the small key s: KSK[i][j] = LWE_s(S_i · g_j).
/// Masks come from a seed (stored instead of the masks); bodies are linear in (s, S, noise).
public struct KeySwitchingKey: Sendable, Equatable {
    public let parameters: FHEParameters
    public let seed: [UInt8]
    /// Bodies, index i·levels + j.
    public var bodies: [FieldElement]
    /// Masks, expanded from `seed` (row-major, same index, each of small dimension).
    public var masks: [FieldElement]

    static let domain = "TKMS-FHE-KSK-mask"

    public init(parameters: FHEParameters, seed: [UInt8], bodies: [FieldElement], masks: [FieldElement]) {
        self.parameters = parameters; self.seed = seed; self.bodies = bodies; self.masks = masks
    }

    public static func expandMasks(seed: [UInt8], parameters: FHEParameters) -> [FieldElement] {
        var generator = SeededGenerator(seed: seed, domain: domain)
        let count = parameters.bigLWEDimension * parameters.ksLevels * parameters.lweDimension
        return (0..<count).map { _ in FieldElement.random(using: &generator) }
    }

    /// Bodies from secret coefficients and noise: linear, usable on shares.
    public static func bodies(
        masks: [FieldElement], smallSecret: [FieldElement], bigSecret: [FieldElement], noise: [FieldElement],
        parameters: FHEParameters
    ) -> [FieldElement] {
        let n = parameters.lweDimension, levels = parameters.ksLevels
        var out = [FieldElement](repeating: .zero, count: bigSecret.count * levels)
        for i in 0..<bigSecret.count {
            for j in 0..<levels {
                let row = i * levels + j
                let g = FieldElement(Arithmetic.gadget(baseLog: parameters.ksBaseLog, level: j + 1))
                var sum = noise[row] + bigSecret[i] * g
                let base = row * n
                for t in 0..<n { sum += masks[base + t] * smallSecret[t] }
                out[row] = sum
            }
        }
        return out
    }

    public static func generate<G: RandomNumberGenerator>(
        from big: LWESecretKey, to small: LWESecretKey, parameters: FHEParameters, seed: [UInt8], using generator: inout G
    ) -> KeySwitchingKey {
        let masks = expandMasks(seed: seed, parameters: parameters)
        var noise = (0..<(big.dimension * parameters.ksLevels)).map { _ in
            Arithmetic.tUniform(log2Bound: parameters.lweNoiseLog2, using: &generator)
        }
        var smallSecret = small.coefficients, bigSecret = big.coefficients
        defer { noise.zeroize(); smallSecret.zeroize(); bigSecret.zeroize() }
        let bodies = bodies(masks: masks, smallSecret: smallSecret, bigSecret: bigSecret, noise: noise, parameters: parameters)
        return KeySwitchingKey(parameters: parameters, seed: seed, bodies: bodies, masks: masks)
    }

    /// Switches an LWE ciphertext under the big key to one under the small key: (0, b) − Σ d_ij · KSK[i][j].
    /// The digits are small (|d| ≤ B/2), so CGoldilocks sums |d|·(32-bit half of each key word) exactly in 64-bit
    /// lanes, positive and negative digits apart, and reduces once per coefficient at the end: the key (57 MiB at
    /// production parameters) is then read once at memory speed.
    public func keySwitch(_ input: LWECiphertext) -> LWECiphertext {
        let n = parameters.lweDimension, levels = parameters.ksLevels
        precondition(parameters.ksBaseLog <= 7, "key-switching digits must fit in Int8")
        let rowCount = input.mask.count * levels
        var rowDigits = [Int8](repeating: 0, count: rowCount)
        var body = input.body
        var digits = [Int64](repeating: 0, count: levels)
        digits.withUnsafeMutableBufferPointer { d in
            for i in 0..<input.mask.count {
                Arithmetic.decompose(input.mask[i].value, baseLog: parameters.ksBaseLog, levels: levels, into: d.baseAddress!)
                for j in 0..<levels where d[j] != 0 {
                    body -= Arithmetic.field(d[j]) * bodies[i * levels + j]
                    rowDigits[i * levels + j] = Int8(d[j])
                }
            }
        }
        // mask = −Σ d·row over the key's mask rows (CGoldilocks: exact 32-bit-half sums, one reduction at the end).
        var mask = [FieldElement](repeating: .zero, count: n)
        var scratch = [UInt64](repeating: 0, count: 4 * n)
        let status = masks.withUnsafeBufferPointer { rows in
            rows.withMemoryRebound(to: UInt64.self) { rows in
                mask.withUnsafeMutableBufferPointer { mask in
                    mask.withMemoryRebound(to: UInt64.self) { mask in
                        goldilocks_key_switch_mask(rows.baseAddress!, rowCount, n, rowDigits, mask.baseAddress!, &scratch)
                    }
                }
            }
        }
        precondition(status == 0, "too many key-switching rows for exact accumulation")
        // (0, b) − Σ d·KSK: phase b − Σ d·(e + S_i g_j) ≈ b − ⟨a, S⟩ under s.
        return LWECiphertext(mask: mask, body: body)
    }
}

