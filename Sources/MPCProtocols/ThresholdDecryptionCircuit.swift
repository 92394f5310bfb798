import Algebra

/// The borrows of c − r for a public M-bit c and a shared M-bit r given by its bits: β = [c mod 2^L < r mod 2^L]
/// (the borrow into bit L) and γ = [c < r] (the borrow out of bit M − 1). Threshold decryption needs only these
/// two: ((c − r) mod 2^M) >> L = (c >> L) − (r >> L) − β + 2^(M−L)·γ.
///
/// Carry-lookahead in generate/propagate form (the prefix-computation view of addition; Ladner & Fischer,
/// J. ACM 1980; in MPC e.g. Damgård, Fitzi, Kiltz, Nielsen & Toft, TCC 2006, §5): bit j gives
/// borrow_(j+1) = G_j + P_j·borrow_j with, for public c_j, (G, P) = (r_j, 1 − r_j) if c_j = 0 and (0, r_j) if
/// c_j = 1 — linear in the shared bit, so the leaves cost nothing. Two adjacent ranges combine as
/// (G_hi + P_hi·G_lo, P_hi·P_lo); a range that starts at bit 0 needs only G (its borrow-in is 0), so it costs one
/// multiplication per combination, other ranges two. β is a balanced tree over bits 0…L−1, the top range
/// L…M−1 a tree beside it, and γ = G_top + P_top·β. All combinations of one depth, over every block of a
/// batch, are one batched Beaver multiplication: the rounds are the tree's depth, whatever the batch size.
/// G and P are never both 1, so every combined value stays a bit.
public struct ThresholdDecryptionCircuit: Sendable, Hashable {
    /// A combination of two earlier nodes (nodes 0…M−1 are the leaves, bit j = node j).
    struct Combination: Sendable, Hashable {
        let high: Int
        let low: Int
        /// Whether the propagate value P of the result is needed (ranges not starting at bit 0).
        let needsPropagate: Bool
    }

    public let workingBits: Int
    public let lowBits: Int
    /// Combinations by depth (level 0 = the first round of multiplications); node index = M + position overall.
    let levels: [[Combination]]
    /// Node of β and of γ.
    let lowBorrowNode: Int
    let fullBorrowNode: Int

    /// Multiplications per block.
    public let multiplications: Int
    /// Rounds of multiplication.
    public var depth: Int { levels.count }

    init(workingBits: Int, lowBits: Int) {
        precondition(lowBits >= 1 && lowBits < workingBits, "borrow circuit: need 1 ≤ L < M")
        self.workingBits = workingBits
        self.lowBits = lowBits
        var combinations: [(Combination, depth: Int)] = []
        var depths = [Int](repeating: 0, count: workingBits)
        func combine(_ high: Int, _ low: Int, needsPropagate: Bool) -> Int {
            let depth = max(depths[high], depths[low]) + 1
            combinations.append((Combination(high: high, low: low, needsPropagate: needsPropagate), depth))
            depths.append(depth)
            return depths.count - 1
        }
        func tree(_ range: Range<Int>, needsPropagate: Bool) -> Int {
            if range.count == 1 { return range.lowerBound }
            let middle = range.lowerBound + range.count / 2
            let low = tree(range.lowerBound..<middle, needsPropagate: needsPropagate)
            let high = tree(middle..<range.upperBound, needsPropagate: true)
            return combine(high, low, needsPropagate: needsPropagate)
        }
        let beta = tree(0..<lowBits, needsPropagate: false)
        let top = tree(lowBits..<workingBits, needsPropagate: true)
        let gamma = combine(top, beta, needsPropagate: false)
        // Renumber by level so that node index = M + position in the level-major order.
        let maxDepth = combinations.map(\.depth).max() ?? 0
        var order: [Int] = []  // level-major positions → original combination index
        for level in 1...max(1, maxDepth) {
            order += combinations.indices.filter { combinations[$0].depth == level }
        }
        var renumber = Array(0..<workingBits) + [Int](repeating: 0, count: combinations.count)
        for (position, original) in order.enumerated() { renumber[workingBits + original] = workingBits + position }
        levels = (1...max(1, maxDepth)).map { level in
            order.filter { combinations[$0].depth == level }.map { original in
                let c = combinations[original].0
                return Combination(high: renumber[c.high], low: renumber[c.low], needsPropagate: c.needsPropagate)
            }
        }
        lowBorrowNode = renumber[beta]
        fullBorrowNode = renumber[gamma]
        multiplications = combinations.reduce(0) { $0 + ($1.0.needsPropagate ? 2 : 1) }
    }

    /// β and γ per block. `publicValues[b]`: c mod 2^M of block b; `bits[b·M + j]`: this party's share of bit j
    /// of r for block b; `triples`: `multiplications` per block, consumed level by level.
    func borrows(
        publicValues: [UInt64], bits: [FieldElement], triples: ArraySlice<BeaverTriple>, context: PartyContext, session: SessionID
    ) async throws -> (low: [FieldElement], full: [FieldElement]) {
        let blocks = publicValues.count, m = workingBits
        let nodeCount = m + levels.reduce(0) { $0 + $1.count }
        // Node-major: generate[node·blocks + block], propagate likewise (zero where not needed).
        var generate = [FieldElement](repeating: .zero, count: nodeCount * blocks)
        var propagate = [FieldElement](repeating: .zero, count: nodeCount * blocks)
        defer { zeroize(&generate); zeroize(&propagate) }
        for block in 0..<blocks {
            for j in 0..<m {
                let r = bits[block * m + j]
                if (publicValues[block] >> UInt64(j)) & 1 == 0 {
                    generate[j * blocks + block] = r
                    propagate[j * blocks + block] = .one - r
                } else {
                    propagate[j * blocks + block] = r
                }
            }
        }
        var node = m
        var used = triples.startIndex
        for (level, combinations) in levels.enumerated() {
            var x: [FieldElement] = [], y: [FieldElement] = []
            let products = combinations.reduce(0) { $0 + ($1.needsPropagate ? 2 : 1) } * blocks
            x.reserveCapacity(products)
            y.reserveCapacity(products)
            for c in combinations {
                for block in 0..<blocks {
                    x.append(propagate[c.high * blocks + block]); y.append(generate[c.low * blocks + block])
                }
                if c.needsPropagate {
                    for block in 0..<blocks {
                        x.append(propagate[c.high * blocks + block]); y.append(propagate[c.low * blocks + block])
                    }
                }
            }
            guard triples.endIndex - used >= products else {
                throw MPCError.invalidParameters("borrow circuit: \(triples.count) triples for \(multiplications) per block")
            }
            var product = try await BeaverMultiplication.multiply(
                x, y, triples: Array(triples[used..<(used + products)]), context: context,
                session: session.child("borrow level", UInt64(level))
            )
            defer { zeroize(&product) }
            used += products
            var k = 0
            for c in combinations {
                for block in 0..<blocks {
                    generate[node * blocks + block] = generate[c.high * blocks + block] + product[k]
                    k += 1
                }
                if c.needsPropagate {
                    for block in 0..<blocks { propagate[node * blocks + block] = product[k]; k += 1 }
                }
                node += 1
            }
        }
        let low = Array(generate[(lowBorrowNode * blocks)..<((lowBorrowNode + 1) * blocks)])
        let full = Array(generate[(fullBorrowNode * blocks)..<((fullBorrowNode + 1) * blocks)])
        return (low, full)
    }
}
