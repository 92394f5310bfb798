import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SecureMemory

/// A root key read from a 32-byte key file that only its owner may read (mode 0600 or 0400).
/// Wraps data keys with AES-256-GCM. For deployments where the disk holding the key file is itself protected.
public struct FileRootKey: RootKeySource {
    public var kind: String { "file" }
    private let key: SecretBytes

    /// Loads the key file, refusing one that is missing, not exactly 32 bytes, or readable by group or others.
    public init(path: String) throws(VaultError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw .rootKeyFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & 0o077 == 0 else {
            throw .rootKeyFile(path: path, reason: "permissions are \(String(status.st_mode & 0o777, radix: 8)); it must be 0600 (owner only)")
        }
        guard status.st_size == 32 else {
            throw .rootKeyFile(path: path, reason: "must hold exactly 32 bytes, holds \(status.st_size)")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .rootKeyFile(path: path, reason: String(cString: strerror(errno))) }
        defer { _ = close(descriptor) }
        var complete = true
        let secret = SecretBytes(count: 32) { buffer in
            var offset = 0
            while offset < 32 {
                let count = read(descriptor, buffer.baseAddress! + offset, 32 - offset)
                guard count > 0 else { complete = false; return }
                offset += count
            }
        }
        guard complete else { throw .rootKeyFile(path: path, reason: "short read") }
        key = secret
    }

    /// Creates a new random key file with mode 0600; refuses to overwrite an existing file.
    @discardableResult
    public static func generate(at path: String) throws(VaultError) -> FileRootKey {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .rootKeyFile(path: path, reason: String(cString: strerror(errno))) }
        let secret = SecretBytes.random(count: 32)
        let written = secret.withUnsafeBytes { write(descriptor, $0.baseAddress!, 32) }
        let synced = fsync(descriptor) == 0
        _ = close(descriptor)
        guard written == 32, synced else {
            unlink(path)
            throw .rootKeyFile(path: path, reason: "could not write the new key")
        }
        return try FileRootKey(path: path)
    }

    public func wrap(dataKey: SecretBytes, associatedData: [UInt8]) async throws -> [UInt8] {
        try KeyWrap.wrap(dataKey, under: KeyWrap.symmetricKey(key), associatedData: associatedData)
    }

    public func unwrap(_ wrapped: [UInt8], associatedData: [UInt8]) async throws -> SecretBytes {
        try KeyWrap.unwrap(wrapped, under: KeyWrap.symmetricKey(key), associatedData: associatedData, error: .wrongRootKey(kind: kind))
    }
}
