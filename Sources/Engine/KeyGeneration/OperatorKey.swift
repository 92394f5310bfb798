import KMSAPI
import Logging
import SecureMemory
import Signatures
import Vault

/// This core's secp256k1 signing key (DESIGN §3.6): made at first start and kept in the private vault as
/// `OperatorSigningKey/default`; its Ethereum address is the core's identity towards full nodes. Without a
/// vault the key lives for this process only (a warning says so), so its address changes at every start.
struct OperatorKey: Sendable {
    static let kind = "OperatorSigningKey"
    let key: OperatorSigningKey

    static func loadOrCreate(vault: VaultStore?, logger: Logger) async throws -> OperatorKey {
        guard let vault else {
            let key = try OperatorSigningKey.generate()
            logger.warning("no [vault]: the signing key is not persisted; this core's address changes at every start",
                           metadata: ["address": "\(key.address.checksummed)"])
            return OperatorKey(key: key)
        }
        let id = try ObjectID(kind: kind, name: "default")
        if try await vault.exists(id, objectClass: .private) {
            let key = try OperatorSigningKey(secretBytes: try await vault.getPrivate(id))
            logger.info("signing key loaded", metadata: ["address": "\(key.address.checksummed)"])
            return OperatorKey(key: key)
        }
        let key = try OperatorSigningKey.generate()
        try await vault.putPrivate(key.secretKeyBytes, id: id)
        logger.info("signing key created", metadata: ["address": "\(key.address.checksummed)"])
        return OperatorKey(key: key)
    }

    /// Signs `message` under the request's domain; no domain in the request means no signature (empty bytes).
    func sign(_ message: some EIP712Message, domain: EIP712Domain?) throws(EngineError) -> [UInt8] {
        guard let domain else { return [] }
        do {
            return try key.sign(message, domain: domain).bytes
        } catch {
            throw .internalFailure("signing failed")
        }
    }

    /// The request's EIP-712 domain, or nil when it names none (`domain` unset).
    static func domain(_ message: Kms_V1_Eip712Domain, present: Bool) throws(EngineError) -> EIP712Domain? {
        guard present else { return nil }
        do {
            let contract = message.verifyingContract.isEmpty ? nil : try EthereumAddress(hex: message.verifyingContract)
            return try EIP712Domain(
                name: message.name, version: message.version, chainId: message.chainID.isEmpty ? nil : Array(message.chainID),
                verifyingContract: contract, salt: message.hasSalt ? Array(message.salt) : nil)
        } catch {
            throw .invalidArgument("domain: \(error)")
        }
    }
}
