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
        try TOMLPreflight.check(text)
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

/// Refuses, before TOMLKit sees them, the malformed inputs on which its parser (toml++ 3) asserts in debug builds
/// and has undefined behaviour in release builds (its assertions become `__builtin_assume`): a table header whose
/// first character cannot start a key (`[}a]`, `[[=a]]`, a lone `[` at the end), and an array whose first element
/// starts with `}` (`a = [}1]`). Found by ConfigurationFuzzTests. A small lexer skips strings and comments and
/// tracks whether a `[` opens a header (first on its line, outside any array or inline table) or an array.
/// Conservative: everything it refuses is invalid TOML.
enum TOMLPreflight {
    static func check(_ text: String) throws(ConfigurationError) {
        let bytes = Array(text.utf8)
        var index = 0, line = 1, depth = 0, lineStart = true
        func refuse(_ why: String) -> ConfigurationError {
            ConfigurationError(field: "(file)", problem: "TOML syntax error at line \(line): \(why)")
        }
        func isKeyStart(_ byte: UInt8) -> Bool {
            (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == 95 || byte == 45
                || byte == 34 || byte == 39
        }
        /// The next byte that is not a space or tab (and, if `acrossLines`, not a newline or a comment).
        func nextSignificant(from start: Int, acrossLines: Bool) -> UInt8? {
            var position = start
            while position < bytes.count {
                switch bytes[position] {
                case 32, 9: position += 1
                case 10 where acrossLines, 13 where acrossLines: position += 1
                case 35 where acrossLines:
                    while position < bytes.count, bytes[position] != 10 { position += 1 }
                default: return bytes[position]
                }
            }
            return nil
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 10:
                line += 1; lineStart = true; index += 1; continue
            case 32, 9, 13:
                index += 1; continue
            case 35:  // a comment runs to the end of the line
                while index < bytes.count, bytes[index] != 10 { index += 1 }
                continue
            case 34, 39:  // basic and literal strings, single-line or multi-line (tripled quotes)
                let triple = index + 2 < bytes.count && bytes[index + 1] == byte && bytes[index + 2] == byte
                index += triple ? 3 : 1
                while index < bytes.count {
                    if byte == 34, bytes[index] == 92 { index += 2; continue }  // an escape in a basic string
                    if bytes[index] == 10 {
                        if !triple { break }
                        line += 1
                    }
                    if bytes[index] == byte,
                       !triple || (index + 2 < bytes.count && bytes[index + 1] == byte && bytes[index + 2] == byte) {
                        index += triple ? 3 : 1
                        break
                    }
                    index += 1
                }
            case 91:  // [
                if lineStart && depth == 0 {
                    var position = index + 1
                    if position < bytes.count, bytes[position] == 91 { position += 1 }
                    guard let first = nextSignificant(from: position, acrossLines: false), isKeyStart(first) else {
                        throw refuse("a table header must start with a key")
                    }
                    index = position
                } else {
                    if nextSignificant(from: index + 1, acrossLines: true) == 125 {
                        throw refuse("'}' cannot start an array element")
                    }
                    depth += 1
                    index += 1
                }
            case 123:
                depth += 1; index += 1
            case 93, 125:
                depth = max(0, depth - 1); index += 1
            default:
                index += 1
            }
            lineStart = false
        }
    }
}
