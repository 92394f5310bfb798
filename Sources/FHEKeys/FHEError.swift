/// Errors of the FHE scheme: malformed serialized input and parameter mismatches (DESIGN §3.1).
public enum FHEError: Error, Sendable, Equatable {
    case truncated(expected: Int, available: Int)
    case oversized(extraBytes: Int)
    case badMagic
    case wrongType(expected: UInt8, found: UInt8)
    case unsupportedVersion(UInt8)
    case unknownParameterSet(UInt8)
    case parameterMismatch(expected: UInt8, found: UInt8)
    case dimensionMismatch(expected: Int, found: Int)
    case nonCanonicalElement(UInt64)
    case invalidSecretCoefficient(UInt64)
    case messageOutOfRange(UInt64)
    /// A radix ciphertext or value of a width that is no `FheType`, or too wide for it.
    case unsupportedBitWidth(Int)
}
