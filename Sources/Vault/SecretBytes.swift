import Foundation

/// Secret bytes owned by the vault: zeroized when released, never printed or logged.
/// Immutable after creation, so it is safe to share across tasks.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let pointer: UnsafeMutableRawBufferPointer

    /// The number of secret bytes.
    public var count: Int { pointer.count }

    /// Copies `bytes` into vault-owned memory (the caller should zeroize its own copy).
    public init<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        pointer = .allocate(byteCount: bytes.count, alignment: 16)
        pointer.copyBytes(from: bytes)
    }

    /// Creates `count` bytes filled by `initializer` directly in vault-owned memory.
    public init(count: Int, initializer: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        pointer = .allocate(byteCount: count, alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0)
        do { try initializer(pointer) } catch {
            Self.zeroize(pointer)
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
        Self.zeroize(pointer)
        pointer.deallocate()
    }

    /// Overwrites a buffer with zeros in a way the optimizer may not drop.
    static func zeroize(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let volatile = base.bindMemory(to: UInt8.self, capacity: buffer.count)
        for index in 0..<buffer.count { volatileStore(volatile + index) }
    }

    @inline(never)
    private static func volatileStore(_ byte: UnsafeMutablePointer<UInt8>) { byte.pointee = 0 }
}

extension Array where Element == UInt8 {
    /// Overwrites this array's storage with zeros (for temporary copies of secrets).
    mutating func zeroize() {
        withUnsafeMutableBytes { SecretBytes.zeroize($0) }
    }
}
