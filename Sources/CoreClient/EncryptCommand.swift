import Algebra
import ArgumentParser
import FHEKeys
import Foundation

/// `kms-core-client encrypt`: encrypts a value with a fetched key set's compact public key (then key-switches
/// to the small key with the server key's key-switching key), in the radix format the cores decrypt.
struct EncryptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encrypt",
        abstract: "Encrypt a value under a key set fetched with fetch-keys; the ciphertext goes to --out or, as hex, to stdout.")

    @OptionGroup var options: ClientOptions

    @Option(name: .customLong("key-id"), help: "The key set (fetched into --keys-dir by fetch-keys).")
    var keyID: String

    @Option(name: .customLong("keys-dir"), help: "Where fetch-keys wrote the key set.")
    var keysDirectory: String = "keys"

    @Option(name: .customLong("type"), help: "FHE type: \(FheTypeName.all.joined(separator: ", ")).")
    var type: String

    @Option(help: "The value: decimal or 0x-prefixed hex, at most the type's width (bool: 0 or 1, true or false).")
    var value: String

    @Option(help: "File to write the serialized ciphertext to (else hex on stdout).")
    var out: String?

    @Flag(help: "Print a JSON summary on stdout.")
    var json = false

    func run() async throws {
        _ = try loadConfiguration(options)
        try await reportingFailure {
            let id = try requestID(keyID)
            guard let fheType = FheTypeName.parse(type) else {
                throw ClientError.usage("--type: '\(type)' is not one of \(FheTypeName.all.joined(separator: ", "))")
            }
            let words = try Self.parseValue(value, bits: fheType.rawValue)
            let directory = URL(fileURLWithPath: keysDirectory).appendingPathComponent(id)
            func read(_ name: String) throws -> [UInt8] {
                guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                    throw ClientError.file("cannot read \(directory.appendingPathComponent(name).path): run fetch-keys --key-id \(id) first")
                }
                return Array(data)
            }
            let publicKey: CompactPublicKey
            let keySwitching: KeySwitchingKey
            do {
                publicKey = try CompactPublicKey(serialized: try read("PublicKey"))
                keySwitching = try ServerKey.keySwitchingKey(fromSerialized: try read("ServerKey"))
            } catch let error as FHEError {
                throw ClientError.file("the stored key set \(id) is not readable: \(error)")
            }
            var random = SecureRandom()
            let ciphertext = publicKey.encrypt(words, as: fheType, keySwitchingKey: keySwitching, using: &random)
            let bytes = ciphertext.serialized(parameters: publicKey.parameters)
            if let out {
                do {
                    try Data(bytes).write(to: URL(fileURLWithPath: out), options: .atomic)
                } catch {
                    throw ClientError.file("--out: cannot write '\(out)': \(error.localizedDescription)")
                }
            }
            if json {
                var object: [String: Any] = ["key_id": id, "fhe_type": FheTypeName.name(fheType), "bytes": bytes.count]
                if let out { object["path"] = out } else { object["ciphertext"] = hexString(bytes) }
                printJSON(object)
            } else if out == nil {
                print(hexString(bytes))
            } else {
                print("wrote \(out!) (\(bytes.count) bytes, \(FheTypeName.name(fheType)))")
            }
        }
    }

    /// The value as a `RadixValue`; refuses anything that is not a number or is wider than the type.
    static func parseValue(_ text: String, bits: Int) throws(ClientError) -> RadixValue {
        let lowered = text.lowercased()
        if bits == 1, lowered == "true" || lowered == "false" { return RadixValue(lowered == "true" ? 1 : 0) }
        var digits = Substring(lowered), radix: UInt64 = 10
        if digits.hasPrefix("0x") { digits = digits.dropFirst(2); radix = 16 }
        guard !digits.isEmpty else { throw .usage("--value: '\(text)' is not a number") }
        // Little-endian 64-bit limbs; limbs = limbs·radix + digit, refusing overflow of 256 bits.
        var limbs = [UInt64](repeating: 0, count: 4)
        for character in digits {
            guard let digit = character.hexDigitValue, UInt64(digit) < radix else { throw .usage("--value: '\(text)' is not a number") }
            var carry = UInt64(digit)
            for index in limbs.indices {
                let product = limbs[index].multipliedFullWidth(by: radix)
                let (sum, overflow) = product.low.addingReportingOverflow(carry)
                limbs[index] = sum
                carry = product.high + (overflow ? 1 : 0)
            }
            guard carry == 0 else { throw .usage("--value: '\(text)' does not fit in 256 bits") }
        }
        let value: RadixValue
        do { value = try RadixValue(limbs: limbs) } catch { throw .usage("--value: \(error)") }
        guard value.bitWidth <= bits else { throw .usage("--value: \(text) does not fit in \(bits) bit(s)") }
        return value
    }
}

/// The API's names of the FHE types (as in kms.proto's FheType).
enum FheTypeName {
    static let all = FheType.allCases.map(name)

    static func name(_ type: FheType) -> String { type == .bool ? "bool" : "uint\(type.rawValue)" }

    static func parse(_ text: String) -> FheType? {
        let lowered = text.lowercased().replacingOccurrences(of: "fhe", with: "").replacingOccurrences(of: "euint", with: "uint")
        return FheType.allCases.first { name($0) == lowered }
    }
}
