/// A configuration problem: which field (dotted TOML path, or the environment variable that set it) and what
/// is wrong with it. Its description is the one line `kms-server` prints before refusing to start.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    /// One line whatever the field or problem hold (a value or a TOMLKit message may contain line breaks or other
    /// control characters): those are written as escapes.
    public var description: String { "invalid configuration: \(Self.oneLine(field)): \(Self.oneLine(problem))" }

    static func oneLine(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
