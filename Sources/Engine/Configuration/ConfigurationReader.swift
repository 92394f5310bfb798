import Foundation

/// Reads typed fields out of one table of the configuration, naming the exact field (or the environment
/// variable that set it) in every error, and refusing keys the section does not know (typos).
struct ConfigurationReader {
    let path: String
    let entries: [String: ConfigurationValue]
    let sources: [String: String]
    private var consumed: Set<String> = []

    init(path: String, value: ConfigurationValue, sources: [String: String]) throws(ConfigurationError) {
        guard case .table(let entries) = value else {
            throw ConfigurationError(field: path.isEmpty ? "(file)" : path, problem: "expected a table, got \(value.kindName)")
        }
        self.path = path
        self.entries = entries
        self.sources = sources
    }

    /// The dotted path of a key, followed by the environment variable if one set it.
    func fieldName(_ key: String) -> String {
        let dotted = path.isEmpty ? key : "\(path).\(key)"
        if let variable = sources[dotted] { return "\(dotted) (from \(variable))" }
        return dotted
    }

    func has(_ key: String) -> Bool { entries[key] != nil }

    mutating func raw(_ key: String) -> ConfigurationValue? {
        consumed.insert(key)
        return entries[key]
    }

    mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = raw(key) else { return nil }
        switch value {
        case .string(let text): return text
        case .integer(let number): return String(number)
        default: throw ConfigurationError(field: fieldName(key), problem: "expected a string, got \(value.kindName)")
        }
    }

    mutating func requiredString(_ key: String) throws(ConfigurationError) -> String {
        guard let text = try string(key) else { throw missing(key) }
        guard !text.isEmpty else { throw ConfigurationError(field: fieldName(key), problem: "must not be empty") }
        return text
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = raw(key) else { return nil }
        let number: Int
        switch value {
        case .integer(let parsed): number = parsed
        case .string(let text):
            guard let parsed = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(field: fieldName(key), problem: "expected an integer, got '\(text)'")
            }
            number = parsed
        default: throw ConfigurationError(field: fieldName(key), problem: "expected an integer, got \(value.kindName)")
        }
        guard range.contains(number) else {
            throw ConfigurationError(
                field: fieldName(key), problem: "\(number) is out of range \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }

    mutating func requiredInteger(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let number = try integer(key, in: range) else { throw missing(key) }
        return number
    }

    mutating func boolean(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = raw(key) else { return nil }
        switch value {
        case .boolean(let flag): return flag
        case .string(let text):
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw ConfigurationError(field: fieldName(key), problem: "expected true or false, got '\(text)'")
            }
        default: throw ConfigurationError(field: fieldName(key), problem: "expected a boolean, got \(value.kindName)")
        }
    }

    mutating func table(_ key: String) throws(ConfigurationError) -> ConfigurationReader? {
        guard let value = raw(key) else { return nil }
        return try ConfigurationReader(path: path.isEmpty ? key : "\(path).\(key)", value: value, sources: sources)
    }

    mutating func arrayOfTables(_ key: String) throws(ConfigurationError) -> [ConfigurationReader] {
        guard let value = raw(key) else { return [] }
        guard case .array(let elements) = value else {
            throw ConfigurationError(field: fieldName(key), problem: "expected an array of tables, got \(value.kindName)")
        }
        let base = path.isEmpty ? key : "\(path).\(key)"
        var readers: [ConfigurationReader] = []
        for (index, element) in elements.enumerated() {
            readers.append(try ConfigurationReader(path: "\(base).\(index)", value: element, sources: sources))
        }
        return readers
    }

    /// Refuses keys that no reader asked for: a misspelt key would otherwise be silently ignored.
    func rejectUnknownKeys() throws(ConfigurationError) {
        if let unknown = entries.keys.sorted().first(where: { !consumed.contains($0) }) {
            throw ConfigurationError(field: fieldName(unknown), problem: "unknown field")
        }
    }

    func missing(_ key: String) -> ConfigurationError {
        ConfigurationError(field: fieldName(key), problem: "missing (required)")
    }
}
