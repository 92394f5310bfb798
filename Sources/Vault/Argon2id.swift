import CArgon2
import SecureMemory

/// Argon2id (RFC 9106) cost parameters, with the minimum the vault accepts.
public struct Argon2Parameters: Sendable, Hashable, CustomStringConvertible {
    /// Memory in KiB.
    public var memoryKiB: UInt32
    /// Passes over memory (t).
    public var iterations: UInt32
    /// Lanes (p).
    public var parallelism: UInt32

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    /// The enforced floor: m ≥ 64 MiB, t ≥ 3, p ≥ 1 (RFC 9106 §4's second recommended option, m = 64 MiB, t = 3).
    /// Records asking for less are refused, so an attacker cannot weaken a stored record.
    public static let minimum = Argon2Parameters(memoryKiB: 64 * 1024, iterations: 3, parallelism: 1)
    /// What new password records use: m = 256 MiB, t = 3, p = 1.
    public static let production = Argon2Parameters(memoryKiB: 256 * 1024, iterations: 3, parallelism: 1)

    /// Throws `weakKDFParameters` below `minimum` (or above sane ceilings that would exhaust memory).
    public func validate() throws(VaultError) {
        let floor = Self.minimum
        if memoryKiB < floor.memoryKiB { throw .weakKDFParameters("memory \(memoryKiB) KiB < \(floor.memoryKiB) KiB (64 MiB)") }
        if iterations < floor.iterations { throw .weakKDFParameters("iterations \(iterations) < \(floor.iterations)") }
        if parallelism < floor.parallelism { throw .weakKDFParameters("parallelism \(parallelism) < 1") }
        if memoryKiB > 16 * 1024 * 1024 || iterations > 64 || parallelism > 64 {
            throw .weakKDFParameters("parameters \(self) exceed the ceiling (16 GiB, t ≤ 64, p ≤ 64)")
        }
    }

    public var description: String { "Argon2id(m=\(memoryKiB) KiB, t=\(iterations), p=\(parallelism))" }
}

/// Argon2id through Debian's libargon2 (the `CArgon2` target).
enum Argon2id {
    /// Derives `length` bytes from `password` and `salt` (raw Argon2id v0x13).
    static func derive(password: SecretBytes, salt: [UInt8], parameters: Argon2Parameters,
                       length: Int = 32) throws(VaultError) -> SecretBytes {
        var code: Int32 = 0
        let key = SecretBytes(count: length) { output in
            password.withUnsafeBytes { passwordBytes in
                salt.withUnsafeBytes { saltBytes in
                    code = cargon2_argon2id_raw(
                        parameters.iterations, parameters.memoryKiB, parameters.parallelism,
                        passwordBytes.baseAddress, passwordBytes.count, saltBytes.baseAddress, saltBytes.count,
                        output.baseAddress, output.count)
                }
            }
        }
        guard code == 0 else { throw .kdfFailed(String(cString: cargon2_error_message(code))) }
        return key
    }
}
