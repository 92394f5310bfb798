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
///
/// Hardening (issue 15): a new kind directory is made durable by fsyncing its class directory (otherwise a crash
/// can lose the directory entry and with it every object written into it); symbolic links are refused — the
/// root, the class and kind directories and objects themselves (O_NOFOLLOW) — so whoever can write into the
/// store's directory cannot redirect reads or writes elsewhere; and the root must belong to this user and is
/// made owner-only (0700) when it is open to the group or others.
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
        if try Self.makeDirectory(root) { try Self.syncDirectory(Self.parent(of: root)) }
        try Self.secureRoot(root)
        let lockPath = root + "/.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw Self.posixError("open lock file", lockPath) }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            _ = Glibc.close(descriptor)
            if code == EWOULDBLOCK { throw .storeLocked(path: root) }
            throw .fileSystem(operation: "flock", path: lockPath, reason: String(cString: strerror(code)))
        }
        self.root = root
        self.lockDescriptor = descriptor
        var created = false
        for objectClass in ObjectClass.allCases {
            let directory = root + "/" + objectClass.rawValue
            if try Self.makeDirectory(directory) { created = true }
            try Self.refuseUnlessDirectory(directory)
        }
        if created { try Self.syncDirectory(root) }
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
        let classDirectory = root + "/" + objectClass.rawValue
        let directory = classDirectory + "/" + id.kind
        // A new kind directory is an entry in the class directory: fsync that too, or a crash may lose it.
        if try Self.makeDirectory(directory) { try Self.syncDirectory(classDirectory) }
        try Self.refuseUnlessDirectory(directory)
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
        try Self.refuseUnlessDirectory(root + "/" + objectClass.rawValue + "/" + id.kind, missingIsFine: true)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .objectNotFound(id.storageKey(objectClass)) }
            if errno == ELOOP { throw .fileSystem(operation: "open", path: path, reason: "is a symbolic link; the vault refuses links") }
            throw Self.posixError("open", path)
        }
        defer { _ = Glibc.close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.posixError("fstat", path) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .fileSystem(operation: "open", path: path, reason: "not a regular file") }
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
        var status = stat()
        return lstat(path(id: id, objectClass: objectClass), &status) == 0 && status.st_mode & S_IFMT == S_IFREG
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

    /// mkdir 0700; returns whether the directory was created (the caller then fsyncs the parent).
    @discardableResult
    static func makeDirectory(_ path: String) throws(VaultError) -> Bool {
        if mkdir(path, 0o700) == 0 { return true }
        if errno != EEXIST { throw posixError("mkdir", path) }
        return false
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Refuses anything but a real directory at `path` (a symbolic link in particular).
    static func refuseUnlessDirectory(_ path: String, missingIsFine: Bool = false) throws(VaultError) {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if missingIsFine && errno == ENOENT { return }
            throw posixError("lstat", path)
        }
        guard status.st_mode & S_IFMT != S_IFLNK else {
            throw .fileSystem(operation: "open directory", path: path, reason: "is a symbolic link; the vault refuses links")
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw .fileSystem(operation: "open directory", path: path, reason: "not a directory") }
    }

    /// The root must be a real directory owned by this user; group or other permissions are removed (0700).
    static func secureRoot(_ root: String) throws(VaultError) {
        try refuseUnlessDirectory(root)
        var status = stat()
        guard lstat(root, &status) == 0 else { throw posixError("lstat", root) }
        guard status.st_uid == geteuid() else {
            throw .fileSystem(operation: "open store", path: root, reason: "owned by uid \(status.st_uid), not this user (uid \(geteuid()))")
        }
        if status.st_mode & 0o077 != 0 {
            guard chmod(root, 0o700) == 0 else { throw posixError("chmod 0700", root) }
        }
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
