// kms-vault-crash-writer: a helper process for the vault's crash-safety and lock tests (Tests/VaultTests).
//   write <dir> <key-file> <seed>   write objects forever (the test SIGKILLs it at random points)
//   open <dir>                      try to open the store; exit 0 if opened, 3 with the error on stderr if refused
//   hold <dir>                      open the store, print "locked", and keep the lock until killed
//   put <dir> <kind>                write one public object of <kind> and exit
//   secrets-probe <VARIABLE>        read the password from VARIABLE, report, wait for stdin to close
#if canImport(Glibc)
import Glibc
#endif
import SecureMemory
import Vault

/// The bytes of version `version` of object `name`: 8-byte version, then a SplitMix64 stream seeded by both.
/// Tests/VaultTests/CrashSafetyTests.swift calls this to check that every readable object is whole.
func crashPattern(name: String, version: UInt64, count: Int) -> [UInt8] {
    var state = version &* 0x9E37_79B9_7F4A_7C15
    for byte in name.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01B3 }
    var bytes = withUnsafeBytes(of: version.littleEndian) { Array($0) }
    while bytes.count < max(count, 8) {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        bytes += withUnsafeBytes(of: mixed.littleEndian) { Array($0) }
    }
    return Array(bytes.prefix(max(count, 8)))
}

/// Writes a line straight to a file descriptor (unbuffered, so the test sees it before a SIGKILL).
func say(_ message: String, to descriptor: Int32 = 1) {
    let line = Array((message + "\n").utf8)
    _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
}

func fail(_ message: String, code: Int32) -> Never {
    say(message, to: 2)
    exit(code)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: kms-vault-crash-writer write|open|hold <dir> …", code: 2) }
let directory = arguments[2]

switch arguments[1] {
case "open":
    do {
        let storage = try FileStorage(root: directory)
        storage.close()
        exit(0)
    } catch { fail("\(error)", code: 3) }
case "hold":
    do {
        let storage = try FileStorage(root: directory)
        say("locked")
        while true { sleep(60) }
        _ = storage
    } catch { fail("\(error)", code: 3) }
case "write":
    guard arguments.count == 5, let seed = UInt64(arguments[4]) else {
        fail("usage: kms-vault-crash-writer write <dir> <key-file> <seed>", code: 2)
    }
    do {
        let store = VaultStore(backend: try FileStorage(root: directory), rootKey: try FileRootKey(path: arguments[3]))
        var generator = SystemRandomNumberGenerator()
        var version = seed << 32
        say("writing")
        while true {
            version += 1
            let index = Int.random(in: 0..<12, using: &generator)
            let size = Int.random(in: 8...(index % 3 == 0 ? 400_000 : 20_000), using: &generator)
            let name = "object-\(index)"
            let bytes = crashPattern(name: name, version: version, count: size)
            if index % 2 == 0 {
                try await store.putPrivate(SecretBytes(bytes), id: ObjectID(kind: "crash-private", name: name))
            } else {
                try await store.putPublic(bytes, id: ObjectID(kind: "crash-public", name: name))
            }
        }
    } catch { fail("\(error)", code: 4) }
case "put":
    // put <dir> <kind>: writes one public object of `kind` and exits (the durability test traces its syscalls).
    guard arguments.count == 4 else { fail("usage: kms-vault-crash-writer put <dir> <kind>", code: 2) }
    do {
        let storage = try FileStorage(root: directory)
        try storage.writeSync([1, 2, 3], id: ObjectID(kind: arguments[3], name: "object"), objectClass: .public)
        storage.close()
        exit(0)
    } catch { fail("\(error)", code: 3) }
case "secrets-probe":
    // secrets-probe <VARIABLE>: reads the vault password from the environment variable, reports what the process
    // still exposes, then waits until stdin closes (the test reads /proc/<pid>/environ meanwhile).
    do {
        let password = try PasswordSource.environment(directory).read()
        say("read \(password.count) bytes")
        // The test reads /proc/<pid>/environ now, then sends a line: disable core dumps and report the state.
        var byte: UInt8 = 0
        while read(0, &byte, 1) == 1, byte != 10 {}
        let outcome = MemoryLock.disableCoreDumps()
        let state = MemoryLock.coreDumpState()
        say("dumpable=\(state.dumpable) core=\(state.softLimit)/\(state.hardLimit) disabled=\(outcome.disabled)")
        while read(0, &byte, 1) == 1 {}
        exit(0)
    } catch { fail("\(error)", code: 3) }
default:
    fail("unknown mode \(arguments[1])", code: 2)
}
