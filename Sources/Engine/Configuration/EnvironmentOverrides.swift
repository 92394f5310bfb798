/// Applies `KMS_CORE__SECTION__KEY=value` environment variables onto a parsed configuration.
/// The path after the prefix is split at `__` and lower-cased (`KMS_CORE__SERVICE__LISTEN_PORT` sets
/// `service.listen_port`); a numeric segment indexes an existing array of tables
/// (`KMS_CORE__THRESHOLD__PEERS__0__ADDRESS`). Values are stored as strings; the typed reader converts them
/// and names the variable when a value does not fit.
public struct EnvironmentOverrides: Sendable {
    public static let prefix = "KMS_CORE__"

    /// Dotted path → name of the environment variable that set it.
    public private(set) var sources: [String: String] = [:]
    private var assignments: [(path: [String], variable: String, value: String)] = []

    public init(environment: [String: String]) {
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix(Self.prefix) {
            let path = name.dropFirst(Self.prefix.count)
                .components(separatedBy: "__")
                .map { $0.lowercased() }
            assignments.append((path, name, value))
        }
    }

    /// The configuration with every override applied.
    public mutating func apply(to root: ConfigurationValue) throws(ConfigurationError) -> ConfigurationValue {
        var result = root
        for assignment in assignments {
            guard !assignment.path.isEmpty, assignment.path.allSatisfy({ !$0.isEmpty }) else {
                throw ConfigurationError(field: assignment.variable, problem: "malformed override name")
            }
            try Self.set(&result, path: assignment.path[...], value: assignment.value, variable: assignment.variable)
            sources[assignment.path.joined(separator: ".")] = assignment.variable
        }
        return result
    }

    private static func set(
        _ node: inout ConfigurationValue, path: ArraySlice<String>, value: String, variable: String
    ) throws(ConfigurationError) {
        guard let head = path.first else {
            node = .string(value)
            return
        }
        let rest = path.dropFirst()
        switch node {
        case .table(var entries):
            var child = entries[head] ?? (rest.isEmpty ? .string(value) : .table([:]))
            try set(&child, path: rest, value: value, variable: variable)
            entries[head] = child
            node = .table(entries)
        case .array(var elements):
            guard let index = Int(head), elements.indices.contains(index) else {
                throw ConfigurationError(
                    field: variable,
                    problem: "'\(head)' is not an index of the existing array (0…\(max(elements.count - 1, 0)))")
            }
            try set(&elements[index], path: rest, value: value, variable: variable)
            node = .array(elements)
        default:
            throw ConfigurationError(field: variable, problem: "cannot set a field inside \(node.kindName)")
        }
    }
}
