import Algebra
import SecureMemory

/// The local computations of one attempt of HIM extraction (no messages): who deals what to whom, the
/// application of the hyper-invertible matrix, and which party checks which output.
///
/// Layout: the batch has `slots` independent applications of M. In each, every dealer D contributes one
/// random degree-t sharing x_D; the outputs y = M·x are n sharings, of which rows 0…n − 2t − 1 are usable and
/// rows n − 2t…n − 1 are checked. Checked output i (flat index slot·2t + row) is opened to party i mod n + 1, so
/// the 2t checked outputs of a slot go to 2t distinct parties (2t < n).
///
/// Dealings respect the disputes: dealer D picks f = g·V_D with g random of degree t − |Z_D| and
/// V_D(x) = Π_{z ∈ Z_D} (x − z)/(−z), Z_D the live parties in dispute with D. So f(z) = 0 for z ∈ Z_D (the
/// share nobody sends), f(0) = g(0), and any t shares of an honest dealer's f — those of Z_D, all corrupt, are 0
/// — leave f(0) uniform, since they fix at most t − |Z_D| values of g.
struct HIMBatch {
    let n: Int
    let t: Int
    let me: Int
    let slots: Int
    let matrix: HyperInvertibleMatrix
    let state: HIMDisputeState

    init(context: PartyContext, sharings: Int, matrix: HyperInvertibleMatrix, state: HIMDisputeState) {
        n = context.partyCount
        t = context.threshold
        me = context.partyID
        let perSlot = n - 2 * t
        slots = max(1, (sharings + perSlot - 1) / perSlot)
        self.matrix = matrix
        self.state = state
    }

    var usableRows: Int { n - 2 * t }

    /// Whether this party and `party` do not use each other's messages.
    func ignores(_ party: Int) -> Bool { state.separated(me, party) }

    /// The parties this party ignores (all corrupt if it is honest): the open's error budget shrinks by them.
    var ignored: Set<Int> { Set((1...n).filter(ignores)) }

    /// Coefficients of each of `dealer`'s polynomials g: t + 1 − |Z_D| (none for an eliminated dealer, which has
    /// no dealings; a live one has at most t disputes).
    func coefficientCount(of dealer: Int) -> Int {
        state.isEliminated(dealer) ? 0 : t + 1 - state.disputedLive(with: dealer).count
    }

    /// w_k = j^k·V_D(j) for k < coefficientCount: party j's share of f = g·V_D is Σ_k g_k·w_k.
    func shareWeights(dealer: Int, party: Int) -> [FieldElement] {
        let x = FieldElement(UInt64(party))
        var power = FieldElement.one
        for z in state.disputedLive(with: dealer) {
            let point = FieldElement(UInt64(z))
            power *= (x - point) * (-point).inverse()!
        }
        var weights = [FieldElement]()
        for _ in 0..<coefficientCount(of: dealer) {
            weights.append(power)
            power *= x
        }
        return weights
    }

    /// This party's dealing randomness: `slots` polynomials g of `coefficientCount` coefficients, expanded from a
    /// 256-bit seed drawn from `generator` by TurboSHAKE128 (`FastSeededGenerator`, as PRSS), read in bulk.
    func drawCoefficients<G: RandomNumberGenerator>(using generator: inout G) -> [FieldElement] {
        var seed = [UInt8]()
        for _ in 0..<4 { withUnsafeBytes(of: generator.next().littleEndian) { seed.append(contentsOf: $0) } }
        var stream = FastSeededGenerator(seed: seed, domain: "kms.him.deal")
        seed.zeroize()
        var coefficients = [FieldElement](repeating: .zero, count: slots * coefficientCount(of: me))
        coefficients.withUnsafeMutableBufferPointer { PRSS.accumulateUniform(into: $0, weight: .one, generator: &stream) }
        stream.wipe()
        return coefficients
    }

    /// Party `party`'s shares of `dealer`'s polynomials, given their coefficients (slot-major).
    func shares(of coefficients: [FieldElement], dealer: Int, for party: Int) -> [FieldElement] {
        let weights = shareWeights(dealer: dealer, party: party)
        let width = weights.count
        precondition(coefficients.count == slots * width, "dealing coefficients do not match the batch")
        return [FieldElement](unsafeUninitializedCapacity: slots) { out, initialized in
            coefficients.withUnsafeBufferPointer { c in
                weights.withUnsafeBufferPointer { w in
                    for slot in 0..<slots {
                        (out.baseAddress! + slot).initialize(
                            to: lazyDotProduct(c.baseAddress! + slot &* width, w.baseAddress!, count: width)
                        )
                    }
                }
            }
            initialized = slots
        }
    }

    /// Applies M in every slot to the dealt shares (row D of `dealt`: dealer D's shares, zero when absent):
    /// this party's shares of the usable outputs (slot-major, n − 2t per slot) and of the checked ones
    /// (slot-major, 2t per slot). Each slot's n inputs are gathered once, then every row of M is one lazily
    /// reduced dot product.
    func extract(_ dealt: ShareMatrix) -> (usable: [FieldElement], checked: [FieldElement]) {
        precondition(dealt.partyCount == n && dealt.count == slots, "dealings do not match the batch")
        let usableCount = usableRows, checkedCount = 2 * t, slots = slots, n = n
        // Every entry is written below.
        var usable = [FieldElement](unsafeUninitializedCapacity: slots * usableCount) { $1 = slots * usableCount }
        var checked = [FieldElement](unsafeUninitializedCapacity: slots * checkedCount) { $1 = slots * checkedCount }
        matrix.entries.withUnsafeBufferPointer { m in
            dealt.values.withUnsafeBufferPointer { x in
                usable.withUnsafeMutableBufferPointer { out in
                    checked.withUnsafeMutableBufferPointer { check in
                        withUnsafeTemporaryAllocation(of: FieldElement.self, capacity: 2 * n) { buffer in
                            let inputs = x.baseAddress!, gathered = buffer.baseAddress!, outputs = gathered + n
                            for slot in 0..<slots {
                                for dealer in 0..<n { gathered[dealer] = inputs[dealer &* slots &+ slot] }
                                matrixVectorProduct(m.baseAddress!, rows: n, columns: n, gathered, into: outputs)
                                for row in 0..<usableCount { out[slot &* usableCount &+ row] = outputs[row] }
                                for row in 0..<checkedCount { check[slot &* checkedCount &+ row] = outputs[usableCount &+ row] }
                            }
                            buffer.update(repeating: .zero)
                        }
                    }
                }
            }
        }
        return (usable, checked)
    }

    /// How many checked outputs `checker` checks: flat indices i < slots·2t with i mod n = checker − 1.
    func checkCount(for checker: Int) -> Int { max(0, (slots * 2 * t - checker + n) / n) }

    /// This party's shares of the checked outputs that `checker` checks, in index order.
    func checkValues(_ checked: [FieldElement], for checker: Int) -> [FieldElement] {
        stride(from: checker - 1, to: checked.count, by: n).map { checked[$0] }
    }

    /// Round 1's message to `checker`: `checkValues(checked, for: checker)` as bytes, then `tail` (the masked
    /// products, the same for everyone), written in place.
    func checkMessage(_ checked: [FieldElement], for checker: Int, tail: [UInt8]) -> [UInt8] {
        let count = checkCount(for: checker), n = n
        return [UInt8](unsafeUninitializedCapacity: 8 * count + tail.count) { bytes, initialized in
            let raw = UnsafeMutableRawBufferPointer(bytes)
            checked.withUnsafeBufferPointer { values in
                for k in 0..<count {
                    raw.storeBytes(of: values[checker &- 1 &+ k &* n].value.littleEndian, toByteOffset: k &* 8, as: UInt64.self)
                }
            }
            tail.withUnsafeBytes { source in
                if let base = source.baseAddress { (raw.baseAddress! + 8 * count).copyMemory(from: base, byteCount: source.count) }
            }
            initialized = 8 * count + tail.count
        }
    }
}
