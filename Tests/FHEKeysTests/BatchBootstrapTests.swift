import Algebra
import Testing
@testable import FHEKeys

/// Issue 13 item 3: a batch of KS-PBS spread over concurrent workers gives exactly the sequential results, in order.
@Suite struct BatchBootstrapTests {
    @Test(arguments: [1, 2, 3, 8])
    func batchEqualsSequentialLoop(workers: Int) async {
        var generator = SeededGenerator(seed: [70, UInt8(workers)], domain: "batch")
        let p = TestKeys.parameters, client = TestKeys.client
        let table = (0..<p.plaintextModulus).map { _ in generator.next() % p.plaintextModulus }
        let messages = (0..<13).map { _ in generator.next() % p.plaintextModulus }
        let inputs = messages.map { client.encrypt($0, using: &generator) }
        for server in [TestKeys.server, MultiBitBootstrapTests.server] {
            let batch = await server.apply(table, to: inputs, workers: workers)
            let sequential = inputs.map { server.apply(table, to: $0) }
            #expect(batch == sequential)  // the PBS is deterministic: bit-identical ciphertexts
            #expect(batch.map { client.decrypt($0) } == messages.map { table[Int($0)] })
        }
        #expect(await TestKeys.server.apply(table, to: [], workers: workers).isEmpty)
    }

    @Test func onlineProcessorCountIsPositive() {
        #expect(ServerKey.onlineProcessorCount >= 1)
    }
}
