import Foundation
import X509
import GRPCCore
import TOMLKit

/// `kms-core-client --config PATH`: the cores to talk to and this client's TLS identity.
/// ```toml
/// [tls]                       # omit for plaintext cores
/// ca_cert = "certs/ca.pem"
/// cert = "certs/client.pem"
/// key = "certs/client.key"
///
/// threshold = 1              # optional: t (default (n − 1) / 3); results need t + 1 matching signatures
///
/// [eip712]                    # optional: the domain results are signed under
/// name = "ThresholdKMS"
/// version = "1"
/// chain_id = 31337
/// verifying_contract = "0x…"
///
/// [[cores]]
/// party_id = 1
/// address = "localhost:50100"
/// signer_address = "0x…"      # optional: pins the core's signing address (else asked from the core)
/// ```
struct ClientConfiguration: Sendable {
    struct Core: Sendable {
        var partyId: Int
        var address: String
        var signerAddress: String?
    }

    /// The EIP-712 domain (`[eip712]`), sent with every request that asks for a signature.
    struct Domain: Sendable {
        var name = "ThresholdKMS"
        var version = "1"
        var chainId: UInt64 = 31337
        var verifyingContract = "0x0000000000000000000000000000000000000000"
    }

    var cores: [Core]
    var tls: ClientTLSConfiguration?
    var threshold: Int
    var domain = Domain()

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
            var signer: String?
            if let value = core["signer_address"] {
                guard let text = value.tomlValue.string else { throw .configuration("cores.\(index).signer_address: expected a string") }
                signer = text
            }
            guard !cores.contains(where: { $0.partyId == partyId }) else {
                throw .configuration("cores.\(index).party_id: party \(partyId) is listed twice")
            }
            cores.append(Core(partyId: partyId, address: address, signerAddress: signer))
        }
        guard !cores.isEmpty else { throw .configuration("cores: empty (list at least one core)") }
        var threshold = (cores.count - 1) / 3
        if let value = table["threshold"] {
            guard let t = value.tomlValue.int, t >= 0, t < cores.count else {
                throw .configuration("threshold: expected an integer 0…\(cores.count - 1)")
            }
            threshold = t
        }
        var domain = Domain()
        if let section = table["eip712"]?.tomlValue.table {
            if let name = section["name"]?.tomlValue.string { domain.name = name }
            if let version = section["version"]?.tomlValue.string { domain.version = version }
            if let chain = section["chain_id"] {
                guard let id = chain.tomlValue.int, id >= 0 else { throw .configuration("eip712.chain_id: expected a non-negative integer") }
                domain.chainId = UInt64(id)
            }
            if let contract = section["verifying_contract"]?.tomlValue.string { domain.verifyingContract = contract }
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
                let certificate = try file("cert"), key = try file("key")
                try checkIdentity(certificatePEM: certificate, privateKeyPEM: key,
                                  keyPath: section["key"]?.tomlValue.string ?? "", certificatePath: section["cert"]?.tomlValue.string ?? "")
                identity = TLSIdentity(certificateChainPEM: certificate, privateKeyPEM: key)
            }
            tls = ClientTLSConfiguration(trustedRootsPEM: ca, identity: identity)
        }
        return ClientConfiguration(cores: cores, tls: tls, threshold: threshold, domain: domain)
    }
}

/// Errors of `kms-core-client`; each is printed as one line.
enum ClientError: Error, CustomStringConvertible {
    case configuration(String)
    case usage(String)
    /// A core answered with an error status, or not at all.
    case core(party: Int, String)
    /// Not enough cores agreed on a signed result.
    case noAgreement(String)
    case file(String)

    var description: String {
        switch self {
        case .configuration(let message): "invalid configuration: \(message)"
        case .usage(let message): message
        case .core(let party, let message): "core \(party): \(message)"
        case .noAgreement(let message): message
        case .file(let message): message
        }
    }
}

/// The client's certificate and key must belong together: grpc would otherwise fail every call with a
/// multi-line dump and "empty address list" instead of naming the file.
func checkIdentity(certificatePEM: String, privateKeyPEM: String, keyPath: String, certificatePath: String) throws(ClientError) {
    guard let begin = certificatePEM.range(of: "-----BEGIN CERTIFICATE-----"),
          let end = certificatePEM.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<certificatePEM.endIndex),
          let certificate = try? Certificate(pemEncoded: String(certificatePEM[begin.lowerBound..<end.upperBound]))
    else { throw .configuration("tls.cert: '\(certificatePath)' holds no PEM certificate") }
    guard let key = try? Certificate.PrivateKey(pemEncoded: privateKeyPEM) else {
        throw .configuration("tls.key: '\(keyPath)' holds no PEM private key")
    }
    guard key.publicKey == certificate.publicKey else {
        throw .configuration("tls.key: '\(keyPath)' is not the private key of tls.cert '\(certificatePath)'")
    }
}
