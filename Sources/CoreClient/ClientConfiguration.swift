import Foundation
import GRPCCore
import TOMLKit

/// `kms-core-client --config PATH`: the cores to talk to and this client's TLS identity.
/// ```toml
/// [tls]                       # omit for plaintext cores
/// ca_cert = "certs/ca.pem"
/// cert = "certs/client.pem"
/// key = "certs/client.key"
///
/// [[cores]]
/// party_id = 1
/// address = "localhost:50100"
/// ```
struct ClientConfiguration: Sendable {
    struct Core: Sendable {
        var partyId: Int
        var address: String
    }

    var cores: [Core]
    var tls: ClientTLSConfiguration?

    static func load(path: String) throws(ClientError) -> ClientConfiguration {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .configuration("--config: cannot read '\(path)'")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw .configuration("\(path): TOML syntax error: \(error)")
        }
        var cores: [Core] = []
        guard let coreList = table["cores"]?.tomlValue.array else {
            throw .configuration("cores: missing (an array of [[cores]] tables with party_id and address)")
        }
        for (index, element) in coreList.enumerated() {
            guard let core = element.tomlValue.table,
                let partyId = core["party_id"]?.tomlValue.int,
                let address = core["address"]?.tomlValue.string, address.contains(":")
            else {
                throw .configuration("cores.\(index): expected party_id (integer) and address (host:port)")
            }
            cores.append(Core(partyId: partyId, address: address))
        }
        var tls: ClientTLSConfiguration?
        if let section = table["tls"]?.tomlValue.table {
            func file(_ key: String) throws(ClientError) -> String {
                guard let path = section[key]?.tomlValue.string else { throw .configuration("tls.\(key): missing") }
                guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw .configuration("tls.\(key): cannot read '\(path)'")
                }
                return contents
            }
            let ca = try file("ca_cert")
            var identity: TLSIdentity?
            if section["cert"] != nil || section["key"] != nil {
                identity = TLSIdentity(certificateChainPEM: try file("cert"), privateKeyPEM: try file("key"))
            }
            tls = ClientTLSConfiguration(trustedRootsPEM: ca, identity: identity)
        }
        return ClientConfiguration(cores: cores, tls: tls)
    }
}

/// Errors of `kms-core-client`; each is printed as one line.
enum ClientError: Error, CustomStringConvertible {
    case configuration(String)

    var description: String {
        switch self {
        case .configuration(let message): "invalid configuration: \(message)"
        }
    }
}
