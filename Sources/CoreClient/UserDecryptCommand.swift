import ArgumentParser
import Crypto
import Foundation
import KMSAPI
import Signatures

/// `kms-core-client user-decrypt`: user decryption (DESIGN §3.5–§3.6). Sends UserDecrypt with the user's address
/// and X-Wing public key to every core, collects the answers, and decodes the plaintexts from at least 2t + 1
/// authenticated ones (`UserDecryptionAssembly`). No core ever sees the plaintext.
struct UserDecryptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user-decrypt",
        abstract: "Decrypt ciphertexts for one user: each core returns its share encrypted to the user's key; the plaintext is put together here.",
        discussion: """
            The user key is an X-Wing (ML-KEM-768 + X25519) key pair, kept as its 32-byte seed in hex. With --user-key FILE \
            the seed is read from FILE, or, if FILE does not exist, a new one is made and written there (mode 0600); \
            without it a one-time key is used.
            """)

    @OptionGroup var options: ClientOptions
    @OptionGroup var decryption: DecryptionOptions

    @Option(name: .customLong("address"), help: "The user's Ethereum address (0x and 40 hex digits) the shares are bound to.")
    var address: String

    @Option(name: .customLong("user-key"), help: "File holding the user's X-Wing key seed (64 hex digits); made if missing.")
    var userKeyFile: String?

    func run() async throws {
        let configuration = try loadConfiguration(options)
        try await reportingFailure {
            let (key, id, files) = try decryption.checked()
            let user: EthereumAddress
            do { user = try EthereumAddress(hex: address) } catch {
                throw ClientError.usage("--address: '\(address)' is not an Ethereum address (0x and 40 hex digits)")
            }
            let userKey = try loadOrMakeUserKey()
            let calls = ClusterCalls(configuration: configuration, timeout: .seconds(options.timeout))
            var request = Kms_V1_UserDecryptionRequest()
            request.requestID.requestID = id
            request.keyID.requestID = key
            request.ciphertexts = files.typed
            request.clientAddress = user.checksummed
            request.encryptionKey = userKey.publicKey.rawRepresentation
            request.domain = calls.protoDomain
            try await startEverywhere(calls, method: CoreServiceMethod.userDecrypt.path, request, what: "UserDecrypt")
            let answers = try await calls.pollAll(
                method: CoreServiceMethod.getUserDecryptionResult.path, requestID: id, deadline: .seconds(decryption.waitSeconds),
                as: Kms_V1_UserDecryptionResponse.self, report: { _ in })
            let assembly = try UserDecryptionAssembly.assemble(
                answers, request: .init(requestID: hexBytes(id), address: user, userKey: userKey, files: files),
                signers: await calls.signerAddresses(), domain: try calls.signingDomain(), threshold: configuration.threshold)
            if decryption.json {
                var object = assembly.json
                object["request_id"] = id
                object["key_id"] = key
                object["address"] = user.checksummed
                printJSON(object)
            } else {
                assembly.printText()
            }
        }
    }

    /// The user's key: from --user-key (made there if the file is missing), else a one-time key.
    func loadOrMakeUserKey() throws(ClientError) -> XWingMLKEM768X25519.PrivateKey {
        guard let path = userKeyFile else {
            do { return try XWingMLKEM768X25519.PrivateKey.generate() } catch { throw .usage("cannot make an X-Wing key: \(error)") }
        }
        if let data = FileManager.default.contents(atPath: path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            var seed = hexBytes(text)
            defer { for index in seed.indices { seed[index] = 0 } }
            guard text.utf8.count == 64, seed.count == 32 else { throw .file("--user-key: '\(path)' does not hold 64 hex digits") }
            do { return try UserShareSigncryption.privateKey(seed: seed) } catch { throw .file("--user-key: '\(path)': \(error)") }
        }
        let key: XWingMLKEM768X25519.PrivateKey
        do { key = try XWingMLKEM768X25519.PrivateKey.generate() } catch { throw .usage("cannot make an X-Wing key: \(error)") }
        let text = hexString(key.seedRepresentation) + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw .file("--user-key: cannot write '\(path)'")
        }
        return key
    }
}
