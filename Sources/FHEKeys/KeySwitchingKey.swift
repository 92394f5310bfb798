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
    public func keySwitch(_ input: LWECiphertext) -> LWECiphertext {
        let n = parameters.lweDimension, levels = parameters.ksLevels
        var mask = [FieldElement](repeating: .zero, count: n)
        var body = input.body
        var digits = [Int64](repeating: 0, count: levels)
        mask.withUnsafeMutableBufferPointer { out in
            masks.withUnsafeBufferPointer { rows in
                digits.withUnsafeMutableBufferPointer { d in
                    for i in 0..<input.mask.count {
                        Arithmetic.decompose(input.mask[i].value, baseLog: parameters.ksBaseLog, levels: levels, into: d.baseAddress!)
                        for j in 0..<levels where d[j] != 0 {
                            let row = i * levels + j
                            let factor = Arithmetic.field(d[j])
                            body -= factor * bodies[row]
                            let base = row * n
                            for t in 0..<n { out[t] -= factor * rows[base + t] }
                        }
                    }
                }
            }
        }
        // (0, b) − Σ d·KSK: phase b − Σ d·(e + S_i g_j) ≈ b − ⟨a, S⟩ under s.
        return LWECiphertext(mask: mask, body: body)
    }
}

