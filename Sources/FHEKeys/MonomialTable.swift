import Algebra

/// The NTT of X^e (and of X^e − 1) for every 0 ≤ e < 2N without a transform: NegacyclicNTT evaluates at the
/// primitive 2N-th roots of unity (odd powers of ψ, in bit-reversed order), so with ζ one of them, evaluation point
/// t is ζ^(orders[t]) and X^e evaluates there to ζ^(e·orders[t] mod 2N) = powers[e·orders[t] mod 2N]. The multi-bit
/// blind rotation multiplies its GGSWs by X^(e_p) − 1 in the NTT domain with this table
/// (`goldilocks_multibit_multiply_accumulate`).
struct MonomialTable: Sendable {
    let size: Int
    /// ζ^m for 0 ≤ m < 2N, ζ = NTT(X)[0].
    let powers: [UInt64]
    /// NTT(X)[t] = powers[orders[t]]; every order is odd and below 2N.
    let orders: [UInt32]

    init(transform: NegacyclicNTT) {
        let N = transform.size
        var x = [FieldElement](repeating: .zero, count: N)
        x[1] = .one
        transform.forward(&x)
        let zeta = x[0]
        var powers = [FieldElement](repeating: .one, count: 2 * N)
        for m in 1..<(2 * N) { powers[m] = powers[m - 1] * zeta }
        var position: [UInt64: Int] = [:]
        for (m, value) in powers.enumerated() { position[value.value] = m }
        precondition(position.count == 2 * N, "NTT(X)[0] is not a primitive 2N-th root of unity")
        self.size = N
        self.powers = powers.map(\.value)
        self.orders = x.map { UInt32(position[$0.value]!) }
    }

    /// NTT(X^e) in the transform's order (reference for tests; the hot loop reads the table in C).
    func monomial(_ e: Int) -> [FieldElement] {
        let mask = 2 * size - 1
        return orders.map { FieldElement(powers[(e * Int($0)) & mask]) }
    }
}
