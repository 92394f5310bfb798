import Algebra
import FHEKeys

/// The public choices of threshold decryption for one parameter set and (n, t): the modulus the ciphertexts
/// are switched to, the width of the mask, the borrow circuit, and what one block costs
/// (docs/DECRYPTION.md). Every party derives the same plan from public values.
///
/// Method: switch each block publicly to Z_(2^k) (a' = round(a·2^k/p), b' = round(b·2^k/p)); then
/// v = b' + 2^(k−6) − ⟨a' mod 2^M, s⟩ over the integers (M = k − 1: the padding bit is dropped) has its message
/// (incl. carry) in bits L…M−1 of v mod 2^M (L = M − 4), rounded by the added half step. Open
/// c = v + r + 2^L·u + 2^M·e with r's L bits shared (random bits) and u, e PRSS-masks hiding the message bits and
/// the integer's high part statistically; since p ≡ 1 (mod 2^M) a wrap-around of c mod p shifts c mod 2^M by one
/// step only, which the noise margin absorbs. Then y = ⌊(c mod 2^M)/2^L⌋ − u − β ≡ message (mod 2^(M−L)), with
/// β = [c mod 2^L < r] the borrow of the low bits (`ThresholdDecryptionCircuit`); y itself (an integer within
/// ±`outputBound`) is what is opened or handed to the user, and u hides everything of it but the message.
public struct ThresholdDecryptionPlan: Sendable, Hashable {
    public let parameters: FHEParameters
    public let partyCount: Int
    public let threshold: Int
    /// k: ciphertexts are switched to modulus 2^k.
    public let switchBits: Int
    /// B: each PRSS subset's term of the masks u and e is uniform in [−B, B]; 2B + 1 ≥ (n_lwe + 17)·2^40.
    public let maskBound: UInt64
    /// The borrow circuit on the L shared bits of r.
    public let circuit: ThresholdDecryptionCircuit

    /// Statistical security of the mask: the distance between the opened values for any two keys or messages
    /// is at most 2^−maskSecurityBits per block.
    public static let maskSecurityBits = 40
    /// The default switch width is the smallest with a failure bound ≤ 2^−targetFailureBits per block.
    public static let targetFailureBits = 128.0

    /// `switchBits` nil: the smallest k whose failure bound per block (bootstrapped ciphertexts) is at most
    /// 2^−128 (`defaultSwitchBits`).
    public init(parameters: FHEParameters, partyCount: Int, threshold: Int, switchBits: Int? = nil) throws(MPCError) {
        guard partyCount >= 3 * threshold + 1, threshold >= 0, partyCount <= 64 else {
            throw .invalidParameters("threshold decryption needs n ≥ 3t + 1 and n ≤ 64, got n = \(partyCount), t = \(threshold)")
        }
        let k = switchBits ?? Self.defaultSwitchBits(parameters: parameters, partyCount: partyCount, threshold: threshold)
        let plaintextBits = parameters.plaintextBits
        guard k >= plaintextBits + 2, k <= 31 else {
            throw .invalidParameters("switch to 2^\(k): need \(plaintextBits + 2) ≤ k ≤ 31")
        }
        self.parameters = parameters
        self.partyCount = partyCount
        self.threshold = threshold
        self.switchBits = k
        self.maskBound = Self.maskBound(lweDimension: parameters.lweDimension)
        circuit = ThresholdDecryptionCircuit(bits: k - 1 - (plaintextBits - 1))
        // y = ⌊c_M/2^L⌋ − u − β is read as a signed integer: |y| must stay within `outputLimit`.
        guard Self.binomial(partyCount, threshold) <= Int((Self.outputLimit - 64) / (maskBound + 1)) else {
            throw .invalidParameters("threshold decryption: C(\(partyCount), \(threshold)) PRSS subsets make the output mask wider than p/4")
        }
    }

    /// M = k − 1: the bits of v mod 2^M the protocol works on (message and carry at the top, no padding bit).
    public var workingBits: Int { switchBits - 1 }
    /// L = M − (message + carry bits): the bits below the message.
    public var lowBits: Int { circuit.bits }
    /// Shared random bits per block (r).
    public var bitsPerBlock: Int { lowBits }
    /// Every plan's `outputBound` is below this (p/4): what a user, who does not know the plan, accepts.
    public static let outputLimit = FieldElement.modulus / 4
    /// |y| ≤ this for every block's output y (the message plus a multiple of 2^(M−L)): C(n, t)·B + 2^(M−L).
    public var outputBound: UInt64 { UInt64(subsetCount) * maskBound + (UInt64(1) << UInt64(workingBits - lowBits)) }
    /// Triples per block consumed online by the borrow circuit.
    public var triplesPerBlock: Int { circuit.multiplications }
    /// Triples per block including those the random bits consume (one each, square-root trick).
    public var preprocessingTriplesPerBlock: Int { triplesPerBlock + bitsPerBlock }
    /// Online rounds, whatever the batch size: the masked open, the circuit's levels, the output open (public).
    public var publicDecryptionRounds: Int { circuit.depth + 2 }
    /// User decryption stops before the output open.
    public var userDecryptionRounds: Int { circuit.depth + 1 }
    /// Field elements each party sends to each other party per block online: the masked value, two per
    /// multiplication, and the output (public) or the re-randomizer (user).
    public var elementsSentPerBlock: Int { 2 + 2 * triplesPerBlock }

    /// Number of PRSS subsets C(n, t): each mask is their sum, so its range is C(n, t)·(2B + 1).
    public var subsetCount: Int { Self.binomial(partyCount, threshold) }

    // MARK: Noise and failure probability (docs/DECRYPTION.md)

    /// Variance of the decryption noise in units of one 2^k step for a bootstrapped ciphertext (PBS + KS):
    /// the ciphertext noise scaled by 2^k/p, the modulus-switch rounding (n/2 + 1)/12, and the wrap-around count
    /// of c (each wrap shifts c mod 2^M by one step): about C(n, t)·((2^M + 2^L)·(2B + 1)/p)²/12 + 1/12 (the two
    /// masks' terms per subset counted as one uniform term of their summed width, an upper bound on the variance).
    public var noiseVariance: Double {
        let scale = Double(UInt64(1) << UInt64(switchBits)) / Double(FieldElement.modulus)
        let ciphertext = (NoiseModel.bootstrapVariance(parameters) + NoiseModel.keySwitchVariance(parameters)) * scale * scale
        let width = Double((UInt64(1) << UInt64(workingBits)) + (UInt64(1) << UInt64(lowBits)))
        let perSubset = width * Double(2 * maskBound + 1) / Double(FieldElement.modulus)
        let wrap = Double(subsetCount) * perSubset * perSubset / 12 + 1.0 / 12
        return ciphertext + NoiseModel.modulusSwitchVariance(parameters) + wrap
    }

    /// Half a message step minus the wrap-around's bias of at most one step: 2^(k−6) − 1 steps.
    public var margin: Double { Double(UInt64(1) << UInt64(switchBits - parameters.plaintextBits - 1)) - 1 }

    /// margin / standard deviation.
    public var zScore: Double { margin / noiseVariance.squareRoot() }

    /// log2 of the failure bound per block, 2·exp(−z²/2) (the Gaussian tail and the Chernoff bound of a
    /// sub-Gaussian noise with that variance; uniform rounding errors are sub-Gaussian with proxy = variance).
    public var failureLog2: Double { 1 - zScore * zScore / (2 * 0.6931471805599453) }

    /// The smallest k ≥ plaintext bits + 2 with `failureLog2` ≤ −128 (31 if none is).
    public static func defaultSwitchBits(parameters: FHEParameters, partyCount: Int, threshold: Int) -> Int {
        for k in (parameters.plaintextBits + 2)...31 {
            if let plan = try? ThresholdDecryptionPlan(parameters: parameters, partyCount: partyCount, threshold: threshold, switchBits: k),
               plan.failureLog2 <= -targetFailureBits {
                return k
            }
        }
        return 31
    }

    /// B with 2B + 1 ≥ (n_lwe + 17)·2^40: ⌊v/2^M⌋ takes at most n_lwe + 2 values, which e's honest term hides to
    /// within (n_lwe + 1)/(2B + 1); u's honest term hides the message bits (15/(2B + 1)) and the borrow β
    /// (1/(2B + 1)): in all at most (n_lwe + 17)/(2B + 1) ≤ 2^−40 per block (docs/DECRYPTION.md).
    static func maskBound(lweDimension: Int) -> UInt64 {
        (UInt64(lweDimension + 17) << UInt64(maskSecurityBits)) / 2
    }

    static func binomial(_ n: Int, _ k: Int) -> Int {
        guard k >= 0, k <= n else { return 0 }
        var result = 1
        for i in 0..<min(k, n - k) { result = result * (n - i) / (i + 1) }
        return result
    }
}
