import Algebra
import SecureMemory

/// Secret key coefficients (field elements) in storage this module allocates and owns, overwritten with zeros
/// (`secureZero`, which the optimizer may not remove) when the last reference goes away (issue 13 item 4). A
/// Swift array cannot promise that: its buffer is freed without wiping and may have been copied on growth.
/// Immutable after creation, so it is shared safely across tasks; `LWESecretKey` and `GLWESecretKey` hold one.
/// Callers that read `elements` get an ordinary array copy and are responsible for it.
final class SecretCoefficients: @unchecked Sendable {
    private let pointer: UnsafeMutableBufferPointer<FieldElement>
    /// Called with the (already zeroized) storage just before it is deallocated; the default does nothing.
    /// Tests use it to observe that the bytes were wiped.
    private let releaseObserver: (@Sendable (UnsafeRawBufferPointer) -> Void)?

    var count: Int { pointer.count }

    init(_ values: [FieldElement], releaseObserver: (@Sendable (UnsafeRawBufferPointer) -> Void)? = nil) {
        pointer = .allocate(capacity: values.count)
        _ = pointer.initialize(from: values)
        self.releaseObserver = releaseObserver
    }

    /// Temporary read access; the pointer must not escape.
    @inline(__always)
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<FieldElement>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(pointer))
    }

    /// A copy as an ordinary array (the caller owns, and should zeroize, it).
    var elements: [FieldElement] { Array(pointer) }

    /// Constant-time equality of the contents (no early exit).
    func constantTimeEquals(_ other: SecretCoefficients) -> Bool {
        guard count == other.count else { return false }
        var difference: UInt64 = 0
        for i in 0..<count { difference |= pointer[i].value ^ other.pointer[i].value }
        return difference == 0
    }

    deinit {
        let raw = UnsafeMutableRawBufferPointer(pointer)
        secureZero(raw)
        releaseObserver?(UnsafeRawBufferPointer(raw))
        pointer.deallocate()
    }
}

extension Array where Element == FieldElement {
    /// Overwrites this array's current storage with zeros (temporary copies of secret coefficients).
    mutating func zeroize() {
        withUnsafeMutableBytes { secureZero($0) }
    }
}
