#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Secret bytes in storage this module allocates and owns: zeroized when the last reference goes away, never
/// printed or logged. A final class because Swift value types may be copied freely and have no deinit; this gives
/// one buffer whose lifetime is known. Immutable after creation, so it is safe to share across tasks. Used for the
/// vault's keys and the PRSS keys alike (docs/VAULT.md, docs/MPC.md §Zeroization).
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let pointer: UnsafeMutableRawBufferPointer

    /// The number of secret bytes.
    public var count: Int { pointer.count }

    /// Copies `bytes` into owned memory (the caller should zeroize its own copy).
    public init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        pointer = .allocate(byteCount: bytes.count, alignment: 16)
        pointer.copyBytes(from: bytes)
    }

    /// Creates `count` bytes filled by `initializer` directly in owned memory.
    public init(count: Int, initializer: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        pointer = .allocate(byteCount: count, alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0)
        do { try initializer(pointer) } catch {
            secureZero(pointer)
            pointer.deallocate()
            throw error
        }
    }

    /// `count` bytes from the system's cryptographically secure generator.
    public static func random(count: Int) -> SecretBytes {
        SecretBytes(count: count) { buffer in
            var generator = SystemRandomNumberGenerator()
            for index in 0..<buffer.count { buffer[index] = generator.next() }
        }
    }

    /// Gives temporary read access to the bytes; do not let the pointer escape.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(pointer))
    }

    /// Constant-time comparison (no early exit on the first differing byte).
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<count { difference |= pointer[index] ^ other.pointer[index] }
        return difference == 0
    }

    public var description: String { "SecretBytes(\(count) bytes)" }
    public var debugDescription: String { description }

    deinit {
        secureZero(pointer)
        pointer.deallocate()
    }
}

/// Overwrites memory with zeros in a way the optimizer may not remove as a dead store.
@inline(never)
public func secureZero(_ bytes: UnsafeMutableRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    #if canImport(Glibc)
    explicit_bzero(base, bytes.count)
    #elseif canImport(Darwin)
    _ = memset_s(base, bytes.count, 0, bytes.count)
    #else
    bytes.initializeMemory(as: UInt8.self, repeating: 0)
    #endif
}

extension Array where Element == UInt8 {
    /// Overwrites this array's storage with zeros (for temporary copies of secrets). Reaches only the storage the
    /// array holds now, not copies made earlier.
    public mutating func zeroize() {
        withUnsafeMutableBytes { secureZero($0) }
    }
}
