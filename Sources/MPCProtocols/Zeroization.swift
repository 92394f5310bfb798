#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Algebra

/// Secret bytes (PRSS keys) in storage this library allocates and owns, overwritten with zeros when the last
/// reference goes away. A final class because Swift value types may be copied freely by the compiler and
/// have no deinit; this gives one buffer whose lifetime is known.
///
/// What can and cannot be zeroized in Swift (see docs/MPC.md §Zeroization):
/// - Can: buffers allocated here (`ZeroizingBytes`), and arrays this library owns and uniquely references at
///   the moment it wipes them (`zeroize(_:)` writes through the array's own storage).
/// - Cannot: copies the caller made or keeps ([UInt8] passed in, triples and bits handed out, which are
///   values), copies the optimizer or copy-on-write made earlier, registers and stack spills, and messages
///   already given to the `Network`. Callers own and must wipe what they hold.
public final class ZeroizingBytes: @unchecked Sendable {
    // @unchecked: the storage is written only in init and deinit; in between it is read-only.
    private let storage: UnsafeMutableBufferPointer<UInt8>

    /// Copies `bytes` into owned storage (the caller's bytes are not wiped; callers should wipe theirs).
    public init(_ bytes: some Collection<UInt8>) {
        storage = .allocate(capacity: bytes.count)
        _ = storage.initialize(from: bytes)
    }

    public var count: Int { storage.count }

    /// Gives `body` read access to the bytes without copying them into an array.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(storage))
    }

    deinit {
        secureZero(UnsafeMutableRawBufferPointer(storage))
        storage.deallocate()
    }
}

/// Overwrites memory with zeros in a way the optimizer may not remove as a dead store.
@inline(never)
func secureZero(_ bytes: UnsafeMutableRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    #if canImport(Glibc)
    explicit_bzero(base, bytes.count)
    #elseif canImport(Darwin)
    _ = memset_s(base, bytes.count, 0, bytes.count)
    #else
    bytes.initializeMemory(as: UInt8.self, repeating: 0)
    #endif
}

/// Wipes an array of shares this library owns (writes through its storage; earlier copies are unaffected).
func zeroize(_ values: inout [FieldElement]) {
    values.withUnsafeMutableBytes { secureZero($0) }
}

/// Wipes a byte array this library owns.
func zeroize(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { secureZero($0) }
}

/// Wipes an array of triples this library owns.
func zeroize(_ triples: inout [BeaverTriple]) {
    triples.withUnsafeMutableBytes { secureZero($0) }
}
