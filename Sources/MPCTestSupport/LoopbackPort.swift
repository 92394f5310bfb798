import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Loopback TCP ports for the servers that tests and benchmarks start. A port comes from below the kernel's
/// ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`): a port the kernel handed out for `bind(0)` and that
/// was released goes back to the pool it takes outgoing connections' source ports from, so a client socket could
/// take it before the server binds it. Ports are also never handed out twice in one process.
public enum LoopbackPort {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    private static let handedOut = Mutex(Set<Int>())

    /// Ports tried: from 20000 up to below the ephemeral range (at least 2,048 of them), read once per process.
    static let candidates: Range<Int> = 20000..<max(ephemeralRange?.lowerBound ?? 32768, 22048)

    /// The kernel's ephemeral port range, if it can be read.
    public static var ephemeralRange: ClosedRange<Int>? {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) else { return nil }
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return nil }
        return bounds[0]...bounds[1]
    }

    /// A port of 127.0.0.1 that nothing listens on now and that this process has not handed out before.
    public static func free() throws -> Int {
        let range = candidates
        for _ in 0..<1000 {
            let port = Int.random(in: range)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port) { return port }
        }
        throw Unavailable(description: "no free loopback port in \(range) after 1000 tries")
    }

    private static func canBind(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
