import Algebra
import Testing
@testable import FHEKeys

/// One cheap run at production parameters (key generation dominates): one PBS + KS and one FheUint4 add is too
/// slow in debug, so this checks encryption, key switching and a single KS-PBS.
@Suite struct ProductionParameterTests {
    @Test func singleBootstrapAtProductionParameters() {
        var generator = SeededGenerator(seed: [50], domain: "prod")
        let params = FHEParameters.production
        let client = ClientKey.generate(parameters: params, using: &generator)
        let server = client.serverKey(seed: Array(repeating: 1, count: 32), using: &generator)
        let m = generator.next() % 16
        let c = client.encrypt(m, using: &generator)
        #expect(client.decrypt(c) == m)
        let out = server.apply(c) { (3 * $0 + 2) % 16 }
        #expect(client.decrypt(out) == (3 * m + 2) % 16)
    }
}
