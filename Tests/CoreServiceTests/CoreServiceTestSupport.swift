import Foundation
import Testing
@testable import Engine

/// Engine values a test needs to talk about a cluster (the ids the cores derive from their configuration).
enum CoreServiceTestSupport {
    static func loadConfiguration(_ configuration: TestServerConfiguration) throws -> CoreConfiguration {
        try ConfigurationLoader.parse(toml: configuration.toml)
    }

    static func defaultEpochID(_ configuration: CoreConfiguration) throws -> String {
        let threshold = try #require(configuration.threshold)
        return try MpcContext.fromConfiguration(threshold).defaultEpochIdentifier.hex
    }
}
