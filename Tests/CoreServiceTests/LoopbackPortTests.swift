import Foundation
import MPCTestSupport
import Testing

/// The ports test clusters and benchmarks listen on: never the kernel's ephemeral ports, never one twice.
/// (That a port in use is skipped is not tested here: occupying ports would race the suites running beside it.)
@Suite struct LoopbackPortTests {
    @Test func portsAreDistinctAndBelowTheEphemeralRange() throws {
        let ports = try (0..<300).map { _ in try TestProcesses.freePort() }
        #expect(Set(ports).count == ports.count)
        let ephemeral = try #require(LoopbackPort.ephemeralRange)
        for port in ports {
            #expect(port >= 20000)
            #expect(!ephemeral.contains(port), "port \(port) lies in the ephemeral range \(ephemeral)")
        }
    }
}
