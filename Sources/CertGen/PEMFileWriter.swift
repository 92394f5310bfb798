import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes PEM files; private keys are created with mode 0600 from the start (never world-readable, not even briefly).
enum PEMFileWriter {
    static func write(_ text: String, to path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw CertGenError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        // The file may have existed with looser permissions: force the mode before writing any byte.
        guard fchmod(descriptor, mode) == 0 else {
            throw CertGenError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        var bytes = Array(text.utf8)
        defer { for index in bytes.indices { bytes[index] = 0 } }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw CertGenError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            throw CertGenError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
