import Algebra
import SecureMemory

// What can and cannot be zeroized in Swift (see docs/MPC.md §Zeroization):
// - Can: buffers in `SecretBytes` (SecureMemory; PRSS keys live there), and arrays this library owns and uniquely
//   references at the moment it wipes them (`zeroize(_:)` writes through the array's own storage).
// - Cannot: copies the caller made or keeps ([UInt8] passed in, triples and bits handed out, which are values),
//   copies the optimizer or copy-on-write made earlier, registers and stack spills, and messages already given to
//   the `Network`. Callers own and must wipe what they hold.

/// Wipes an array of shares this library owns (writes through its storage; earlier copies are unaffected).
public func zeroize(_ values: inout [FieldElement]) {
    values.withUnsafeMutableBytes { secureZero($0) }
}

/// Wipes an array of triples this library owns.
public func zeroize(_ triples: inout [BeaverTriple]) {
    triples.withUnsafeMutableBytes { secureZero($0) }
}
