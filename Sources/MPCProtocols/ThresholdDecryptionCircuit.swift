import Algebra

/// The borrow β = [c mod 2^L < r] of c − r, for a public c and a shared L-bit r given by its bits: the one
/// comparison threshold decryption needs (docs/DECRYPTION.md, step 3).
///
/// Carry-lookahead in generate/propagate form (the prefix-computation view of addition; Ladner & Fischer,
/// J. ACM 1980; in MPC e.g. Damgård, Fitzi, Kiltz, Nielsen & Toft, TCC 2006, §5): bit j gives
/// borrow_(j+1) = G_j + P_j·borrow_j with, for public c_j, (G, P) = (r_j, 1 − r_j) if c_j = 0 and (0, r_j) if
/// c_j = 1 — linear in the shared bit, so the leaves cost nothing. Two adjacent ranges combine as
/// (G_hi + P_hi·G_lo, P_hi·P_lo); a range that starts at bit 0 needs only G (its borrow-in is 0), so it costs one
/// multiplication per combination, other ranges two. β is a balanced tree over bits 0…L−1 (depth ⌈log2 L⌉). All
/// combinations of one depth, over every block of a batch, are one batched Beaver multiplication: the rounds are
/// the tree's depth, whatever the batch size. G and P are never both 1, so every combined value stays a bit.
public struct ThresholdDecryptionCircuit: Sendable, Hashable {
    /// A combination of two earlier nodes (nodes 0…L−1 are the leaves, bit j = node j).
    struct Combination: Sendable, Hashable {
        let high: Int
        let low: Int
        /// Whether the propagate value P of the result is needed (ranges not starting at bit 0).
        let needsPropagate: Bool
    }

    /// L: the width of r.
    public let bits: Int
    /// Combinations by depth (level 0 = the first round of multiplications); node index = L + position overall.
    let levels: [[Combination]]
    /// Node of β.
    let borrowNode: Int

    /// Multiplications per block.
    public let multiplications: Int
    /// Rounds of multiplication.
    public var depth: Int { levels.count }

    init(bits: Int) {
        precondition(bits >= 1, "borrow circuit: need L ≥ 1")
        self.bits = bits
        var combinations: [(Combination, depth: Int)] = []
        var depths = [Int](repeating: 0, count: bits)
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
        let beta = tree(0..<bits, needsPropagate: false)
        // Renumber by level so that node index = L + position in the level-major order.
        let maxDepth = combinations.map(\.depth).max() ?? 0
        var order: [Int] = []  // level-major positions → original combination index
        for level in stride(from: 1, through: maxDepth, by: 1) {
            order += combinations.indices.filter { combinations[$0].depth == level }
        }
        var renumber = Array(0..<bits) + [Int](repeating: 0, count: combinations.count)
        for (position, original) in order.enumerated() { renumber[bits + original] = bits + position }
        levels = stride(from: 1, through: maxDepth, by: 1).map { level in
            order.filter { combinations[$0].depth == level }.map { original in
                let c = combinations[original].0
                return Combination(high: renumber[c.high], low: renumber[c.low], needsPropagate: c.needsPropagate)
            }
        }
        borrowNode = renumber[beta]
        multiplications = combinations.reduce(0) { $0 + ($1.0.needsPropagate ? 2 : 1) }
    }

    /// β per block. `publicValues[b]`: c of block b (bits L and above are ignored); `bits[b·L + j]`: this party's
    /// share of bit j of r for block b; `triples`: `multiplications` per block, consumed level by level.
    func borrow(
        publicValues: [UInt64], bits: [FieldElement], triples: ArraySlice<BeaverTriple>, context: PartyContext, session: SessionID
    ) async throws -> [FieldElement] {
        let blocks = publicValues.count, width = self.bits
        let nodeCount = width + levels.reduce(0) { $0 + $1.count }
        // Node-major: generate[node·blocks + block], propagate likewise (zero where not needed).
        var generate = [FieldElement](repeating: .zero, count: nodeCount * blocks)
        var propagate = [FieldElement](repeating: .zero, count: nodeCount * blocks)
        defer { zeroize(&generate); zeroize(&propagate) }
        for block in 0..<blocks {
            for j in 0..<width {
                let r = bits[block * width + j]
                if (publicValues[block] >> UInt64(j)) & 1 == 0 {
                    generate[j * blocks + block] = r
                    propagate[j * blocks + block] = .one - r
                } else {
                    propagate[j * blocks + block] = r
                }
            }
        }
        var node = width
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
        return Array(generate[(borrowNode * blocks)..<((borrowNode + 1) * blocks)])
    }
}
