import Foundation
import SecureMemory
import Signatures

/// Hex helpers and random inputs shared by the Signatures tests.
enum TestSupport {
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes of hex digits with or without "0x"; traps on malformed test literals.
    static func bytes(_ text: String) -> [UInt8] {
        let digits = Array(text.hasPrefix("0x") ? text.dropFirst(2) : Substring(text))
        precondition(digits.count % 2 == 0, "odd hex literal in a test")
        return stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
                preconditionFailure("bad hex literal in a test: \(text)")
            }
            return byte
        }
    }

    static func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    /// A signing key from a hex literal, wiping the temporary array.
    static func key(_ hexSecret: String) throws -> OperatorSigningKey {
        var secret = bytes(hexSecret)
        defer { secret.zeroize() }
        return try OperatorSigningKey(secretBytes: SecretBytes(secret))
    }
}
