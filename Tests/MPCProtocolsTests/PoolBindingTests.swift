import Algebra
import Testing
@testable import MPCProtocols
import MPCTestSupport

/// Preprocessed elements are bound to the session that consumes them (issue 10, 3d).
@Suite struct PoolBindingTests {
    /// Two concurrent requests reach the pool in opposite orders at odd and even parties (prepared ahead, or
    /// generated on demand); both multiplications must still be right.
    @Test(arguments: [true, false])
    func concurrentConsumersInOppositeOrders(prepared: Bool) async throws {
        let (n, t) = (4, 1)
        let count = 4
        var rng = SeededGenerator(seed: [9], domain: "test.pool.order")
        let x = (0..<2).map { _ in (0..<count).map { _ in FieldElement.random(using: &rng) } }
        let y = (0..<2).map { _ in (0..<count).map { _ in FieldElement.random(using: &rng) } }
        let xShares = x.map { $0.map { Shamir.share($0, threshold: t, partyCount: n, using: &rng) } }
        let yShares = y.map { $0.map { Shamir.share($0, threshold: t, partyCount: n, using: &rng) } }
        let requests = [SessionID(61), SessionID(62)]
        let outputs = try await runParties(n: n, t: t, adversary: .allHonest) { context, _ in
            let me = context.partyID
            let pool = PreprocessingPool(prss: try dealtPRSS(party: me, n: n, t: t), context: context, session: SessionID(60))
            if prepared { for request in requests { try await pool.prepare(triples: count, bits: 0, for: request) } }
            let first = me % 2 == 1 ? 0 : 1
            return try await withThrowingTaskGroup(of: (Int, [FieldElement]).self) { group in
                for request in 0..<2 {
                    group.addTask {
                        // The other request reaches the pool first at this party.
                        if request != first { try await Task.sleep(for: .milliseconds(50)) }
                        let triples = try await pool.take(triples: count, bits: 0, for: requests[request]).triples
                        let product = try await BeaverMultiplication.multiply(
                            xShares[request].map { $0[me - 1] }, yShares[request].map { $0[me - 1] }, triples: triples,
                            context: context, session: requests[request].child("multiply")
                        )
                        return (request, product)
                    }
                }
                var products = [[FieldElement]](repeating: [], count: 2)
                for try await (request, product) in group { products[request] = product }
                return products
            }
        }
        for request in 0..<2 {
            for k in 0..<count {
                let product = try Shamir.reconstruct((1...n).map { ($0, outputs[$0]![request][k]) }, threshold: t)
                #expect(product == x[request][k] * y[request][k], "request \(request), value \(k)")
            }
        }
    }

    /// A batch whose generation failed (here: the other parties never answer) is discarded whole, and the
    /// session never gets elements afterwards: its caller must retry under a new session.
    @Test func failedBatchIsNeverReused() async throws {
        let hub = InMemoryHub(partyCount: 4)
        let context = try PartyContext(network: hub.endpoint(1), threshold: 1, timeout: .milliseconds(20))
        let pool = PreprocessingPool(prss: try dealtPRSS(party: 1, n: 4, t: 1), context: context, session: SessionID(63))
        let session = SessionID(64)
        await #expect(throws: MPCError.self) { try await pool.take(triples: 4, bits: 2, for: session) }
        let again = await #expect(throws: MPCError.self) { try await pool.take(triples: 4, bits: 2, for: session) }
        guard case .preprocessingUnavailable = again else {
            Issue.record("a failed session was served again: \(String(describing: again))")
            return
        }
        await #expect(throws: MPCError.self) { try await pool.prepare(triples: 4, bits: 2, for: session) }
        #expect(await pool.preparedSessions == 0)
        #expect(await pool.batchesProduced == 0)
    }
}
