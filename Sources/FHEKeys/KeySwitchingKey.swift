import Algebra

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
        let noise = (0..<(big.coefficients.count * parameters.ksLevels)).map { _ in
            Arithmetic.tUniform(log2Bound: parameters.lweNoiseLog2, using: &generator)
        }
        let bodies = bodies(masks: masks, smallSecret: small.coefficients, bigSecret: big.coefficients, noise: noise, parameters: parameters)
        return KeySwitchingKey(parameters: parameters, seed: seed, bodies: bodies, masks: masks)
    }

    /// Switches an LWE ciphertext under the big key to one under the small key: (0, b) − Σ d_ij · KSK[i][j].
    /// The digits are small (|d| ≤ B/2), so Σ |d|·row is accumulated exactly as a 128-bit integer per coefficient
    /// (separately for positive and negative digits; at most k·N·ℓ·B/2·2^64 < 2^128) and reduced once at the end.
    public func keySwitch(_ input: LWECiphertext) -> LWECiphertext {
        let n = parameters.lweDimension, levels = parameters.ksLevels
        precondition(input.mask.count * levels * (1 << parameters.ksBaseLog) < 1 << 60, "accumulator bound")
        // [positive high | positive low | negative high | negative low], n words each.
        var sums = [UInt64](repeating: 0, count: 4 * n)
        var body = input.body
        var digits = [Int64](repeating: 0, count: levels)
        sums.withUnsafeMutableBufferPointer { sums in
            masks.withUnsafeBufferPointer { rows in
                digits.withUnsafeMutableBufferPointer { d in
                    let sumBase = sums.baseAddress!
                    for i in 0..<input.mask.count {
                        Arithmetic.decompose(input.mask[i].value, baseLog: parameters.ksBaseLog, levels: levels, into: d.baseAddress!)
                        for j in 0..<levels where d[j] != 0 {
                            let row = i * levels + j
                            body -= Arithmetic.field(d[j]) * bodies[row]
                            let magnitude = UInt64(d[j].magnitude)
                            let high = sumBase + (d[j] > 0 ? 0 : 2 * n), low = high + n
                            let source = rows.baseAddress! + row * n
                            for t in 0..<n {
                                let (h, l) = source[t].value.multipliedFullWidth(by: magnitude)
                                let (newLow, carry) = low[t].addingReportingOverflow(l)
                                low[t] = newLow
                                high[t] &+= h &+ (carry ? 1 : 0)
                            }
                        }
                    }
                }
            }
        }
        // mask = Σ_{d<0} |d|·row − Σ_{d>0} d·row.
        let mask = (0..<n).map { t in
            FieldElement.reduce(high: sums[2 * n + t], low: sums[3 * n + t]) - FieldElement.reduce(high: sums[t], low: sums[n + t])
        }
        // (0, b) − Σ d·KSK: phase b − Σ d·(e + S_i g_j) ≈ b − ⟨a, S⟩ under s.
        return LWECiphertext(mask: mask, body: body)
    }
}

