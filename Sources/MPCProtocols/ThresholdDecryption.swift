import Algebra
import FHEKeys

/// Threshold decryption of LWE blocks under a Shamir-shared binary key s (DESIGN §3.5, docs/DECRYPTION.md),
/// batched over every block of every ciphertext of a request so that the rounds do not depend on the batch:
/// 1. publicly switch each block to Z_(2^k) and compute [v] = b' + 2^(k−6) − ⟨a' mod 2^M, [s]⟩ locally (an
///    integer in (−n·2^M, 2^M), far below p);
/// 2. open c = v + r + 2^L·u + 2^M·e in one robust open (`ThresholdDecryptionPlan`: r from L shared bits, u and e
///    PRSS-masks; c hides v to within 2^−40);
/// 3. the borrow β = [c mod 2^L < r] (`ThresholdDecryptionCircuit`, ⌈log2 L⌉ rounds) gives
///    [y] = (c_M >> L) − [u] − [β] ≡ the block's message and carry bits (mod 2^(M−L)), |y| ≤ `outputBound`;
/// 4. public: robust open of y, message = y mod 2^(M−L) (y read as a signed integer); user: no open — the shares
///    of y are re-randomized with a degree-t sharing of zero and returned for the user to decode
///    (`UserDecryptionReconstruction`). u makes y reveal nothing but the message (docs/DECRYPTION.md).
/// Robust against t actively corrupt parties (n ≥ 3t + 1): every open is a `RobustOpen` of degree t.
public enum ThresholdDecryption {
    /// The messages (incl. carry, 0…15) of every block, known to every honest party.
    public static func publicDecrypt(
        blocks: [LWECiphertext], secretShares: [FieldElement], material: DecryptionMaterial, context: PartyContext,
        session: SessionID
    ) async throws -> [UInt64] {
        var shares = try await messageShares(
            blocks: blocks, secretShares: secretShares, material: material, context: context, session: session, rerandomize: false
        )
        defer { zeroize(&shares) }
        let opened = try await RobustOpen.open(shares, context: context, session: session.child("decryption output"))
        let plan = material.plan
        return try opened.enumerated().map { index, value throws(MPCError) in
            // Always within the bound when the shares of bits are bits; anything else means a broken invariant.
            guard let message = message(of: value, bound: plan.outputBound, plaintextModulus: plan.parameters.plaintextModulus) else {
                throw .decodingFailed(index: index)
            }
            return message
        }
    }

    /// The message y mod `plaintextModulus` of an output y read as a signed integer, or nil when |y| > `bound`.
    public static func message(of value: FieldElement, bound: UInt64, plaintextModulus: UInt64) -> UInt64? {
        let half = FieldElement.modulus / 2
        if value.value <= half {
            guard value.value <= bound else { return nil }
            return value.value % plaintextModulus
        }
        let magnitude = FieldElement.modulus - value.value
        guard magnitude <= bound else { return nil }
        return (plaintextModulus - magnitude % plaintextModulus) % plaintextModulus
    }

    /// This party's shares (degree t) of every block's output y, re-randomized: a user who collects them from
    /// ≥ 2t + 1 parties decodes y and so the message (y mod 2^(M−L)), and the shares reveal nothing else.
    public static func userDecryptShares(
        blocks: [LWECiphertext], secretShares: [FieldElement], material: DecryptionMaterial, context: PartyContext,
        session: SessionID
    ) async throws -> [FieldElement] {
        try await messageShares(
            blocks: blocks, secretShares: secretShares, material: material, context: context, session: session, rerandomize: true
        )
    }

    /// Steps 1–3 (and the re-randomization). The re-randomizer is a PRSS random [ρ] whose value is opened in
    /// the same round as c: [ρ] − ρ is a degree-t sharing of zero with pseudo-random coefficients 1…t (a
    /// non-interactive degree-t PRZS does not exist for replicated keys: a polynomial of degree t that vanishes
    /// at 0 and on the t parties outside a subset is zero; PRSS's `zeroShares` has degree 2t, too high for the
    /// user to correct t errors from n = 3t + 1 shares).
    static func messageShares(
        blocks: [LWECiphertext], secretShares: [FieldElement], material: DecryptionMaterial, context: PartyContext,
        session: SessionID, rerandomize: Bool
    ) async throws -> [FieldElement] {
        let plan = material.plan
        try check(blocks: blocks, secretShares: secretShares, material: material, context: context, session: session)
        let count = blocks.count, m = plan.workingBits, low = plan.lowBits
        let workingMask = (UInt64(1) << UInt64(m)) - 1
        let half = UInt64(1) << UInt64(plan.switchBits - plan.parameters.plaintextBits - 1)
        let highScale = FieldElement(UInt64(1) << UInt64(m)), lowScale = FieldElement(UInt64(1) << UInt64(low))

        // 1–2: [c] = [v] + [r] + 2^L·[u] + 2^M·[e]; open with the re-randomizers' values.
        var masked = [FieldElement](repeating: .zero, count: count + (rerandomize ? count : 0))
        defer { zeroize(&masked) }
        for (index, block) in blocks.enumerated() {
            let switched = block.switchedModulus(bits: plan.switchBits)
            var value = FieldElement((switched.body &+ half) & workingMask)
            for i in 0..<switched.mask.count {
                value -= FieldElement(switched.mask[i] & workingMask) * secretShares[i]
            }
            var r = FieldElement.zero
            for j in stride(from: low - 1, through: 0, by: -1) { r = r + r + material.bits[index * low + j] }
            masked[index] = value + r + lowScale * material.messageMasks[index] + highScale * material.masks[index]
        }
        var rerandomizers = rerandomize ? material.rerandomizerShares() : []
        defer { zeroize(&rerandomizers) }
        if rerandomize { for index in 0..<count { masked[count + index] = rerandomizers[index] } }
        let opened = try await RobustOpen.open(masked, context: context, session: session.child("decryption masked"))
        let publicValues = opened.prefix(count).map { $0.value & workingMask }

        // 3: the borrow and y.
        var beta = try await plan.circuit.borrow(
            publicValues: publicValues, bits: material.bits, triples: material.triples[...], context: context,
            session: session.child("decryption borrows")
        )
        defer { zeroize(&beta) }
        var result = [FieldElement](repeating: .zero, count: count)
        for index in 0..<count {
            result[index] = FieldElement(publicValues[index] >> UInt64(low)) - material.messageMasks[index] - beta[index]
            if rerandomize { result[index] += rerandomizers[index] - opened[count + index] }
        }
        return result
    }

    static func check(
        blocks: [LWECiphertext], secretShares: [FieldElement], material: DecryptionMaterial, context: PartyContext, session: SessionID
    ) throws(MPCError) {
        let plan = material.plan
        guard material.session == session else {
            throw .preprocessingUnavailable("decryption material of session \(material.session) offered to session \(session)")
        }
        guard material.blockCount == blocks.count else {
            throw .invalidParameters("decryption material for \(material.blockCount) blocks, \(blocks.count) given")
        }
        guard plan.partyCount == context.partyCount, plan.threshold == context.threshold else {
            throw .invalidParameters("decryption plan for (\(plan.partyCount), \(plan.threshold)), context (\(context.partyCount), \(context.threshold))")
        }
        let n = plan.parameters.lweDimension
        guard secretShares.count == n else { throw .invalidParameters("\(secretShares.count) key shares, dimension \(n)") }
        if let index = blocks.firstIndex(where: { $0.dimension != n }) {
            throw .invalidParameters("block \(index) has dimension \(blocks[index].dimension), the key \(n)")
        }
    }
}
