#if canImport(Glibc)
import Glibc
#endif

/// Why an address cannot be listened on, found with a plain socket before grpc tries: grpc's own failure says
/// only that no address was added (and logs a multi-line dump), so the cause — a port in use, a privileged
/// port, an address of another host — is named here in words. nil when a bind succeeds (or the port is 0).
enum ListenProbe {
    static func problem(host: String, port: Int) -> String? {
        guard port != 0 else { return nil }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            return "cannot resolve '\(host)': \(String(cString: gai_strerror(resolved)))"
        }
        defer { freeaddrinfo(first) }
        var lastError: Int32 = 0
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            let descriptor = socket(current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            if descriptor >= 0 {
                var one: Int32 = 1
                _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                let bound = bind(descriptor, current.pointee.ai_addr, current.pointee.ai_addrlen)
                let error = errno
                close(descriptor)
                // grpc serves when any resolved address binds (e.g. localhost's 127.0.0.1 when ::1 is missing).
                if bound == 0 { return nil }
                lastError = error
            } else {
                lastError = errno
            }
            entry = current.pointee.ai_next
        }
        switch lastError {
        case EADDRINUSE: return "port \(port) is already in use by another process"
        case EACCES: return "permission denied: ports below 1024 need privileges"
        case EADDRNOTAVAIL: return "'\(host)' is not an address of this host"
        default: return String(cString: strerror(lastError))
        }
    }
}
