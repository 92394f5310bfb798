/// Errors of `kms-gen-tls-certs`, each with a message an operator can act on.
enum CertGenError: Error, CustomStringConvertible {
    case invalidHost(String)
    case invalidPartyCount(Int)
    case invalidHostFor(String)
    case unknownParty(party: Int, parties: Int)
    case otherPartysIdentity(host: String, option: String)
    case cannotWrite(path: String, reason: String)

    var description: String {
        switch self {
        case .invalidHost(let host): "invalid host '\(host)': expected a DNS name or an IPv4/IPv6 address"
        case .invalidPartyCount(let count): "invalid --parties \(count): expected 1…1000"
        case .invalidHostFor(let value): "invalid --host-for '\(value)': expected PARTY=HOST[,HOST…]"
        case .unknownParty(let party, let parties): "invalid --host-for \(party): parties are 1…\(parties)"
        case .otherPartysIdentity(let host, let option):
            "invalid host '\(host)' in \(option): kms-core-<i> is party i's identity and goes only into its certificate"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
