/// A configuration problem: which field (dotted TOML path, or the environment variable that set it) and what
/// is wrong with it. Its description is the one line `kms-server` prints before refusing to start.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "invalid configuration: \(field): \(problem)" }
}
