import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A vault store in a local directory (DESIGN §5): `<root>/<class>/<kind>/<name>`.
/// Writes are atomic (temp file, fsync, rename, directory fsync), so after a crash each object is either the old
/// or the new version, never a torn one. An exclusive `flock` on `<root>/.lock` keeps a second process (or a
/// second open in this process) out; stale temp files of crashed writers are removed when the store opens.
public final class FileStorage: StorageBackend, @unchecked Sendable {
    /// The store's root directory.
    public let root: String
    /// The file descriptor holding the directory lock; immutable, closed by `close()` or deinit.
    private let lockDescriptor: Int32
    private let closed = Atomic<Bool>(false)

    static let temporaryPrefix = ".tmp-"

    /// Opens (creating if needed) the store at `root` and takes its lock.
    /// Throws `VaultError.storeLocked` if another process has it open.
    public init(root: String) throws(VaultError) {
        let root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        try Self.makeDirectory(root)
        let lockPath = root + "/.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.posixError("open lock file", lockPath) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            _ = Glibc.close(descriptor)
            if code == EWOULDBLOCK { throw .storeLocked(path: root) }
            throw .fileSystem(operation: "flock", path: lockPath, reason: String(cString: strerror(code)))
        }
        self.root = root
        self.lockDescriptor = descriptor
        for objectClass in ObjectClass.allCases { try Self.makeDirectory(root + "/" + objectClass.rawValue) }
        try removeStaleTemporaryFiles()
    }

    deinit { close() }

    /// Releases the directory lock; the store must not be used afterwards.
    public func close() {
        if closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged { _ = Glibc.close(lockDescriptor) }
    }

    public var location: String { "file:" + root }

    public func write(_ bytes: [UInt8], id: ObjectID, objectClass: ObjectClass) async throws {
        try writeSync(bytes, id: id, objectClass: objectClass)
    }

    /// The synchronous body of `write` (also used by the crash-safety writer).
    public func writeSync(_ bytes: [UInt8], id: ObjectID, objectClass: ObjectClass) throws(VaultError) {
        let directory = root + "/" + objectClass.rawValue + "/" + id.kind
        try Self.makeDirectory(directory)
        try Self.atomicWrite(bytes, directory: directory, name: id.name)
    }

    /// Writes `<directory>/<name>` atomically: temp file (0600), write, fsync, rename, directory fsync.
    static func atomicWrite(_ bytes: [UInt8], directory: String, name: String) throws(VaultError) {
        let finalPath = directory + "/" + name
        let temporaryPath = directory + "/" + Self.temporaryPrefix + name + "-" + Self.randomSuffix()
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Self.posixError("create temp file", temporaryPath) }
        var success = false
        defer {
            if !success { unlink(temporaryPath) }
        }
        do {
            defer { _ = Glibc.close(descriptor) }
            let failure: VaultError? = bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return Self.posixError("write", temporaryPath)
                    }
                    offset += written
                }
                return nil
            }
            if let failure { throw failure }
            guard fsync(descriptor) == 0 else { throw Self.posixError("fsync", temporaryPath) }
        }
        guard rename(temporaryPath, finalPath) == 0 else { throw Self.posixError("rename", finalPath) }
        success = true
        try Self.syncDirectory(directory)
    }

    public func read(id: ObjectID, objectClass: ObjectClass) async throws -> [UInt8] {
        try readSync(id: id, objectClass: objectClass)
    }

    /// The synchronous body of `read`.
    public func readSync(id: ObjectID, objectClass: ObjectClass) throws(VaultError) -> [UInt8] {
        let path = path(id: id, objectClass: objectClass)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .objectNotFound(id.storageKey(objectClass)) }
            throw Self.posixError("open", path)
        }
        defer { _ = Glibc.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.posixError("fstat", path) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var offset = 0
        let failure: VaultError? = bytes.withUnsafeMutableBytes { buffer in
            while offset < buffer.count {
                let count = Glibc.read(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return Self.posixError("read", path)
                }
                if count == 0 { break }
                offset += count
            }
            return nil
        }
        if let failure { throw failure }
        return offset == bytes.count ? bytes : Array(bytes[..<offset])
    }

    public func exists(id: ObjectID, objectClass: ObjectClass) async throws -> Bool {
        access(path(id: id, objectClass: objectClass), F_OK) == 0
    }

    public func delete(id: ObjectID, objectClass: ObjectClass) async throws {
        let path = path(id: id, objectClass: objectClass)
        if unlink(path) != 0 && errno != ENOENT { throw Self.posixError("unlink", path) }
        try Self.syncDirectory(root + "/" + objectClass.rawValue + "/" + id.kind)
    }

    public func list(kind: String, objectClass: ObjectClass) async throws -> [ObjectID] {
        _ = try ObjectID(kind: kind, name: "x")  // validates the kind
        let directory = root + "/" + objectClass.rawValue + "/" + kind
        return try Self.entries(of: directory).compactMap { name in
            name.hasPrefix(".") ? nil : try? ObjectID(kind: kind, name: name)
        }.sorted { $0.name < $1.name }
    }

    /// The file path of an object (for tests and operators).
    public func path(id: ObjectID, objectClass: ObjectClass) -> String {
        root + "/" + id.storageKey(objectClass)
    }

    /// Temp files left by a writer that crashed between create and rename; safe to delete while we hold the lock.
    private func removeStaleTemporaryFiles() throws(VaultError) {
        for objectClass in ObjectClass.allCases {
            let classDirectory = root + "/" + objectClass.rawValue
            for kind in try Self.entries(of: classDirectory) where !kind.hasPrefix(".") {
                let directory = classDirectory + "/" + kind
                var removed = false
                for name in try Self.entries(of: directory) where name.hasPrefix(Self.temporaryPrefix) {
                    if unlink(directory + "/" + name) == 0 { removed = true }
                }
                if removed { try Self.syncDirectory(directory) }
            }
        }
    }

    // MARK: POSIX helpers

    static func entries(of directory: String) throws(VaultError) -> [String] {
        guard let handle = opendir(directory) else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw posixError("opendir", directory)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func makeDirectory(_ path: String) throws(VaultError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw posixError("mkdir", path) }
    }

    static func syncDirectory(_ path: String) throws(VaultError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("open directory", path) }
        defer { _ = Glibc.close(descriptor) }
        guard fsync(descriptor) == 0 else { throw posixError("fsync directory", path) }
    }

    static func posixError(_ operation: String, _ path: String) -> VaultError {
        .fileSystem(operation: operation, path: path, reason: String(cString: strerror(errno)))
    }

    private static func randomSuffix() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }
}
