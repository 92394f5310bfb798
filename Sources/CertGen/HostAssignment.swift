import Foundation

/// Which names go into which party's certificate. Party i's certificate names party i only: its identity
/// `kms-core-<i>` (the name the other cores pin, DESIGN §1), the hosts given for it (`--host-for i=…`), and the
/// hosts explicitly shared by every party (`--hosts`). Without either option, the local testnet's
/// `localhost` and `127.0.0.1` are shared (scripts/start-cluster.sh, config/default_*.toml).
struct HostAssignment: Equatable {
    static let localTestnetHosts = ["localhost", "127.0.0.1"]

    let parties: Int
    /// Hosts in every party's certificate.
    let shared: [String]
    /// Hosts in one party's certificate only.
    let perParty: [Int: [String]]

    /// The identity name of party `party`: its certificate's CN and first DNS SAN.
    static func identity(party: Int) -> String { "kms-core-\(party)" }

    /// `hosts`: the `--hosts` value (nil when not given); `hostFor`: every `--host-for PARTY=HOST[,HOST…]`.
    init(parties: Int, hosts: String?, hostFor: [String]) throws(CertGenError) {
        self.parties = parties
        if hosts == nil && hostFor.isEmpty {
            shared = Self.localTestnetHosts
            perParty = [:]
            return
        }
        shared = Self.list(hosts ?? "")
        for host in shared where Self.isIdentityName(host) {
            throw .otherPartysIdentity(host: host, option: "--hosts")
        }
        var perParty: [Int: [String]] = [:]
        for value in hostFor {
            let pieces = value.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, let party = Int(pieces[0].trimmingCharacters(in: .whitespaces)) else {
                throw .invalidHostFor(value)
            }
            guard (1...parties).contains(party) else { throw .unknownParty(party: party, parties: parties) }
            let names = Self.list(String(pieces[1]))
            guard !names.isEmpty else { throw .invalidHostFor(value) }
            for host in names where Self.isIdentityName(host) && host.lowercased() != Self.identity(party: party) {
                throw .otherPartysIdentity(host: host, option: "--host-for \(party)")
            }
            perParty[party, default: []] += names
        }
        self.perParty = perParty
    }

    /// Party `party`'s names in certificate order: identity, shared hosts, its own hosts (duplicates are dropped
    /// when they become SANs).
    func hosts(forParty party: Int) -> [String] {
        [Self.identity(party: party)] + shared + (perParty[party] ?? [])
    }

    private static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// "kms-core-<digits>" in any letter case: reserved for the parties' identities.
    private static func isIdentityName(_ host: String) -> Bool {
        let lowered = host.lowercased()
        guard lowered.hasPrefix("kms-core-") else { return false }
        let digits = lowered.dropFirst("kms-core-".count)
        return !digits.isEmpty && digits.allSatisfy(\.isNumber)
    }
}
