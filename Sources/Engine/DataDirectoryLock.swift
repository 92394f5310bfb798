import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (flock) on `<data_dir>/kms-server.lock`, so that two servers never share one
/// data directory. The kernel drops the lock when the process dies, so a crash never leaves a stale lock.
public final class DataDirectoryLock: Sendable {
    public static let fileName = "kms-server.lock"

    public let path: String
    private let descriptor: Int32

    public enum LockError: Error, CustomStringConvertible, Equatable {
        case cannotCreateDirectory(String)
        case cannotOpen(String, String)
        case heldByAnotherServer(directory: String, holder: String)

        public var description: String {
            switch self {
            case .cannotCreateDirectory(let directory):
                "cannot create data directory '\(directory)'"
            case .cannotOpen(let path, let reason):
                "cannot open lock file '\(path)': \(reason)"
            case .heldByAnotherServer(let directory, let holder):
                "data directory '\(directory)' is already in use by another kms-server (\(holder)); "
                    + "stop it or configure a different storage.data_dir"
            }
        }
    }

    /// Creates the directory if needed and takes the lock, or throws at once if another process holds it.
    public init(directory: String) throws(LockError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreateDirectory(directory)
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotOpen(path, String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw .heldByAnotherServer(directory: directory, holder: holder.map { $0.isEmpty ? "unknown pid" : $0 } ?? "unknown pid")
        }
        let record = "pid \(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = record.withCString { pointer in pwrite(descriptor, pointer, strlen(pointer), 0) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        _ = ftruncate(descriptor, 0)
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
