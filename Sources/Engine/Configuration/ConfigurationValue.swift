import TOMLKit

/// A parsed TOML document as a plain, Sendable value tree, so that environment overrides can be applied
/// before the typed configuration is read from it (TOMLKit's tables are reference types over C++).
public indirect enum ConfigurationValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([ConfigurationValue])
    case table([String: ConfigurationValue])

    /// Parses TOML text; a syntax error becomes a `ConfigurationError` naming the line and column.
    public static func parse(toml text: String) throws(ConfigurationError) -> ConfigurationValue {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                field: "(file)",
                problem: "TOML syntax error at line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigurationError(field: "(file)", problem: "TOML syntax error: \(error)")
        }
        return convert(table.tomlValue)
    }

    private static func convert(_ value: TOMLValue) -> ConfigurationValue {
        switch value.type {
        case .table:
            var entries: [String: ConfigurationValue] = [:]
            if let table = value.table {
                for key in table.keys {
                    if let child = table[key] { entries[key] = convert(child.tomlValue) }
                }
            }
            return .table(entries)
        case .array:
            return .array((value.array ?? TOMLArray()).map { convert($0.tomlValue) })
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .boolean(value.bool ?? false)
        case .date, .time, .dateTime: return .string(value.debugDescription)
        }
    }

    /// A short name of the value's kind, for error messages.
    var kindName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .array: "an array"
        case .table: "a table"
        }
    }
}
