import Algebra
import FHEKeys

/// The user's side of user decryption (DESIGN §3.5): decode each block's message from the parties' re-randomized
/// shares (degree t) by Reed–Solomon decoding (`RobustOpen.decode`, Berlekamp–Welch). With at most t of the
/// answering parties wrong, a value is accepted only when t + 1 + t of the shares lie on one polynomial: from
/// 2t + 1 answers all must agree (an error is detected, not corrected); from all n = 3t + 1, up to t wrong or
/// missing shares are corrected.
public enum UserDecryptionReconstruction {
    /// The messages (message and carry bits, < `plaintextModulus`) from `shares[party]` (party ids 1…n; a vector
    /// of the wrong length counts as missing): each block's decoded y read as a signed integer, mod
    /// `plaintextModulus` (docs/DECRYPTION.md; a value beyond ±`ThresholdDecryptionPlan.outputLimit` is no output of the protocol).
    /// `count`: the number of blocks (default: the most common length).
    public static func reconstruct(
        shares: [Int: [FieldElement]], threshold: Int, partyCount: Int? = nil, count: Int? = nil,
        plaintextModulus: UInt64 = FHEParameters.production.plaintextModulus
    ) throws -> [UInt64] {
        let n = partyCount ?? max(3 * threshold + 1, shares.keys.max() ?? 0)
        if let invalid = shares.keys.first(where: { $0 < 1 || $0 > n }) {
            throw MPCError.invalidParameters("share from party \(invalid), parties are 1…\(n)")
        }
        let lengths = Dictionary(shares.values.map { ($0.count, 1) }, uniquingKeysWith: +)
        let blocks = count ?? lengths.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? 0
        let columns: [[FieldElement]?] = (1...n).map { party in shares[party].flatMap { $0.count == blocks ? $0 : nil } }
        let values = try RobustOpen.decode(columns: columns, degree: threshold, threshold: threshold, count: blocks)
        return try values.enumerated().map { index, value throws(MPCError) in
            guard let message = ThresholdDecryption.message(of: value, bound: ThresholdDecryptionPlan.outputLimit, plaintextModulus: plaintextModulus) else {
                throw .decodingFailed(index: index)
            }
            return message
        }
    }

    /// The plaintext of one radix ciphertext from its blocks' decoded messages (the carry bits dropped).
    public static func value(messages: [UInt64], parameters: FHEParameters) throws(FHEError) -> RadixValue {
        try RadixValue(digits: messages.map { $0 % parameters.messageModulus }, bitsPerDigit: parameters.messageBits)
    }
}
