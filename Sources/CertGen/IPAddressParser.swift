#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recognizes IPv4/IPv6 literals (for iPAddress SANs) and plausible DNS names.
enum IPAddressParser {
    /// The network-order bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) literal, nil if `text` is neither.
    static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Letters, digits, '-', '.', and a leading '*.' wildcard; labels 1…63 characters.
    static func isValidDNSName(_ name: String) -> Bool {
        var body = Substring(name)
        if body.hasPrefix("*.") { body = body.dropFirst(2) }
        guard !body.isEmpty, body.count <= 253 else { return false }
        return body.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
