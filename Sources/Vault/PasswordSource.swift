import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SecureMemory

/// Where the vault password comes from. Deliberately no command-line flag: arguments are visible to every
/// user through `ps` and end up in shell history.
public enum PasswordSource: Sendable, Equatable {
    /// Ask on the controlling terminal with echo off.
    case prompt(String)
    /// Read the first line of a file readable only by its owner (mode 0600 or 0400).
    case file(String)
    /// Read an environment variable (for containers and secret managers that inject it). Reading consumes it:
    /// the value is overwritten with zeros where it lives and the variable is removed, so the password is no
    /// longer in /proc/<pid>/environ (which shows the process's initial environment block, untouched by a plain
    /// `unsetenv`) nor inherited by child processes. Read it once, before other threads touch the environment.
    case environment(String)

    /// Reads the password. Throws `passwordUnavailable` when the source is empty, unreadable or too open.
    public func read() throws(VaultError) -> SecretBytes {
        var bytes: [UInt8]
        switch self {
        case .environment(let name):
            guard let value = getenv(name) else { throw .passwordUnavailable("environment variable \(name) is not set") }
            let length = strlen(value)
            bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self),
                                              count: length))
            // Overwrite the value in place (for an inherited variable: in the initial environment block), then unset.
            secureZero(UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(value), count: length))
            unsetenv(name)
        case .file(let path):
            var status = stat()
            guard stat(path, &status) == 0 else {
                throw .passwordUnavailable("password file \(path): \(String(cString: strerror(errno)))")
            }
            guard status.st_mode & 0o077 == 0 else {
                throw .passwordUnavailable("password file \(path) has permissions \(String(status.st_mode & 0o777, radix: 8)); it must be 0600")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .passwordUnavailable("password file \(path) could not be read")
            }
            bytes = Array(data)
            if let newline = bytes.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                bytes.withUnsafeMutableBytes { secureZero(UnsafeMutableRawBufferPointer(rebasing: $0[newline...])) }
                bytes.removeSubrange(newline...)
            }
        case .prompt(let message):
            bytes = try Self.promptWithoutEcho(message)
        }
        defer { bytes.zeroize() }
        guard !bytes.isEmpty else { throw .passwordUnavailable("the password from \(sourceName) is empty") }
        return SecretBytes(bytes)
    }

    private var sourceName: String {
        switch self {
        case .prompt: "the prompt"
        case .file(let path): "file \(path)"
        case .environment(let name): "environment variable \(name)"
        }
    }

    /// Reads one line from /dev/tty with echo disabled (restored afterwards, also on error).
    private static func promptWithoutEcho(_ message: String) throws(VaultError) -> [UInt8] {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { throw .passwordUnavailable("no terminal to prompt on (use a password file or environment variable)") }
        defer { _ = close(terminal) }
        _ = message.withCString { Glibc.write(terminal, $0, strlen($0)) }
        var saved = termios()
        let haveAttributes = tcgetattr(terminal, &saved) == 0
        if haveAttributes {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(terminal, TCSAFLUSH, &silent)
        }
        defer {
            if haveAttributes { _ = tcsetattr(terminal, TCSAFLUSH, &saved) }
            _ = Glibc.write(terminal, "\n", 1)
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while Glibc.read(terminal, &byte, 1) == 1, byte != 10, byte != 13 { line.append(byte) }
        byte = 0
        return line
    }
}

/// Reads and writes the password record file (not secret, but kept owner-only).
enum PasswordRecordFile {
    static func read(_ path: String) throws(VaultError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .fileSystem(operation: "read", path: path, reason: "unreadable")
        }
        return Array(data)
    }

    static func write(_ record: [UInt8], to path: String) throws(VaultError) {
        let url = URL(fileURLWithPath: path)
        try FileStorage.atomicWrite(record, directory: url.deletingLastPathComponent().path,
                                    name: url.lastPathComponent)
    }
}
