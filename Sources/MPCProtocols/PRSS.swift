import Algebra
import SecureMemory

/// Pseudo-random secret sharing (Cramer, Damgård & Ishai, TCC 2005, "Share conversion, pseudorandom
/// secret-sharing and applications to secure computation", §3–4): every subset A of n − t parties shares a key
/// r_A. Party i's share of a random value is Σ_{A ∋ i} PRF(r_A, ·)·f_A(i), with f_A of degree t, f_A(0) = 1 and
/// f_A(j) = 0 outside A; the secret is Σ_A PRF(r_A, ·), unknown to any t parties because the subset of the
/// other n − t parties holds a key they lack. No messages after the one-time key setup. The PRF is TurboSHAKE128
/// (RFC 9861) keyed by r_A, the session and a label (`FastSeededGenerator`); its output rate dominates the cost of
/// Beaver triples, which is why it is not SHAKE256 (2.5 times slower).
public struct PRSS: Sendable {
    struct Subset: Sendable {
        /// r_A, in owned storage zeroed when the last PRSS copy holding it is dropped.
        let key: SecretBytes
        /// f_A(i) for this party i.
        let weight: FieldElement
    }

    public let partyID: Int
    public let partyCount: Int
    public let threshold: Int
    let subsets: [Subset]

    /// Keys of the subsets containing `partyID`, in `PRSS.subsets(n:t:)` order restricted to those (copied into
    /// owned, wiped storage; the caller wipes its arrays).
    public init(partyID: Int, partyCount: Int, threshold: Int, keys: [[UInt8]]) throws {
        try self.init(partyID: partyID, partyCount: partyCount, threshold: threshold, keys: keys.map { SecretBytes($0) })
    }

    /// As above, with keys already in owned storage (shared, not copied).
    public init(partyID: Int, partyCount: Int, threshold: Int, keys: [SecretBytes]) throws {
        let mine = PRSS.subsets(partyCount: partyCount, threshold: threshold).filter { $0.contains(partyID) }
        guard keys.count == mine.count else {
            throw MPCError.invalidParameters("PRSS for party \(partyID) needs \(mine.count) keys, got \(keys.count)")
        }
        self.partyID = partyID
        self.partyCount = partyCount
        self.threshold = threshold
        let x = FieldElement(UInt64(partyID))
        subsets = zip(mine, keys).map { members, key in
            // f_A(x) = Π_{j ∉ A} (j − x) / j
            var weight = FieldElement.one
            for j in 1...partyCount where !members.contains(j) {
                let jj = FieldElement(UInt64(j))
                weight *= (jj - x) * jj.inverse()!
            }
            return Subset(key: key, weight: weight)
        }
    }

    /// All subsets of size n − t of 1…n, in lexicographic order.
    public static func subsets(partyCount n: Int, threshold t: Int) -> [[Int]] {
        var result = [[Int]]()
        var current = [Int]()
        func extend(from start: Int) {
            if current.count == n - t { result.append(current); return }
            guard start <= n, n - start + 1 >= (n - t) - current.count else { return }
            for next in start...n {
                current.append(next)
                extend(from: next + 1)
                current.removeLast()
            }
        }
        extend(from: 1)
        return result
    }

    /// The PRF stream of subset A for a session; callers `wipe()` it after use.
    private func stream(_ subset: Subset, session: SessionID, label: String) -> FastSeededGenerator {
        var seed = subset.key.withUnsafeBytes { Array($0) }
        seed.append(contentsOf: session.bytes)
        defer { seed.zeroize() }
        return FastSeededGenerator(seed: seed, domain: "kms.prss." + label)
    }

    /// This party's shares of `count` fresh uniformly random values (degree t).
    public func randomShares(count: Int, session: SessionID) -> [FieldElement] {
        var shares = [FieldElement](repeating: .zero, count: count)
        shares.withUnsafeMutableBufferPointer { out in
            for subset in subsets {
                var generator = stream(subset, session: session, label: "random")
                Self.accumulateUniform(into: out, weight: subset.weight, generator: &generator)
                generator.wipe()
            }
        }
        return shares
    }

    /// out[k] += weight · u_k for uniform u_k drawn from the stream by rejection (a word ≥ p, probability
    /// 2^−32, is skipped), reading the stream in bulk: the hot loop of every PRSS draw.
    static func accumulateUniform(
        into out: UnsafeMutableBufferPointer<FieldElement>, weight: FieldElement, generator: inout FastSeededGenerator
    ) {
        let chunk = 1024
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: chunk) { words in
            var filled = 0
            var cursor = 0
            var k = 0
            while k < out.count {
                if cursor == filled {
                    filled = min(chunk, out.count - k)
                    generator.fill(UnsafeMutableBufferPointer(rebasing: words[0..<filled]))
                    cursor = 0
                }
                let word = words[cursor]
                cursor &+= 1
                if word >= FieldElement.modulus { continue }
                out[k] = out[k] + weight * FieldElement(word)
                k &+= 1
            }
            // Wipe the PRF output (it determines this party's shares).
            words.update(repeating: 0)
        }
    }

    /// PRZS: shares of `count` zeros of degree 2t whose coefficients 1…2t are pseudo-random
    /// (Σ_A Σ_{k=1..t} PRF_k(r_A)·x^k·f_A(x)); used to re-randomize degree-2t products.
    public func zeroShares(count: Int, session: SessionID) -> [FieldElement] {
        let x = FieldElement(UInt64(partyID))
        var powers = [FieldElement](repeating: .one, count: threshold + 1)
        for k in 1...max(1, threshold) where k <= threshold { powers[k] = powers[k - 1] * x }
        var shares = [FieldElement](repeating: .zero, count: count)
        for subset in subsets {
            var generator = stream(subset, session: session, label: "zero")
            for index in 0..<count {
                var sum = FieldElement.zero
                for k in stride(from: 1, through: threshold, by: 1) { sum += FieldElement.random(using: &generator) * powers[k] }
                shares[index] += subset.weight * sum
            }
            generator.wipe()
        }
        return shares
    }

    /// PRSS-mask: shares (degree t) of `count` integers e = Σ_A e_A with each e_A uniform in [−bound, bound],
    /// embedded in GF(p). |e| ≤ C(n, t)·bound. t corrupt parties know every e_A except that of the subset of
    /// the honest parties, so e minus what they know is uniform in [−bound, bound] (see docs/MPC.md).
    public func maskShares(count: Int, bound: UInt64, session: SessionID) -> [FieldElement] {
        precondition(bound < (1 << 62), "PRSS-mask bound must be below 2^62")
        var shares = [FieldElement](repeating: .zero, count: count)
        shares.withUnsafeMutableBufferPointer { out in
            for subset in subsets {
                var generator = stream(subset, session: session, label: "mask")
                Self.accumulateBounded(into: out, bound: bound, weight: subset.weight, generator: &generator)
                generator.wipe()
            }
        }
        return shares
    }

    /// out[k] += weight · (d_k − bound) for d_k uniform in [0, 2·bound] by Lemire's multiply-and-reject (ACM TOMACS
    /// 2019, "Fast random integer generation in an interval"): d = ⌊w·width / 2^64⌋ of a stream word w, a word whose
    /// low product half is below 2^64 mod width skipped; the stream read in bulk, as `accumulateUniform` does.
    static func accumulateBounded(
        into out: UnsafeMutableBufferPointer<FieldElement>, bound: UInt64, weight: FieldElement,
        generator: inout FastSeededGenerator
    ) {
        let width = 2 * bound + 1
        let rejectBelow = (0 &- width) % width
        let offset = FieldElement(bound)
        let chunk = 1024
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: chunk) { words in
            var filled = 0
            var cursor = 0
            var k = 0
            while k < out.count {
                if cursor == filled {
                    filled = min(chunk, out.count - k)
                    generator.fill(UnsafeMutableBufferPointer(rebasing: words[0..<filled]))
                    cursor = 0
                }
                let product = width.multipliedFullWidth(by: words[cursor])
                cursor &+= 1
                if product.low < rejectBelow { continue }
                out[k] = out[k] + weight * (FieldElement(product.high) - offset)
                k &+= 1
            }
            words.update(repeating: 0)
        }
    }
}
