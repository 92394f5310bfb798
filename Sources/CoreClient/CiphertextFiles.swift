import Algebra
import FHEKeys
import Foundation
import KMSAPI

/// Ciphertext files written by `encrypt --out`, read for a decryption request: each with its type (read from the
/// file), its block count and its handle (SHA3-256 of the file's bytes).
struct CiphertextFiles {
    var typed: [Kms_V1_TypedCiphertext] = []
    var types: [FheType] = []
    var blockCounts: [Int] = []

    var handles: [[UInt8]] { typed.map { Array($0.externalHandle) } }

    init(paths: [String]) throws(ClientError) {
        guard !paths.isEmpty else { throw .usage("--ciphertext: give at least one ciphertext file") }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { throw .file("--ciphertext: cannot read '\(path)'") }
            let ciphertext: RadixCiphertext
            let type: FheType
            do {
                ciphertext = try RadixCiphertext(serialized: Array(data))
                type = try FheType(bitWidth: ciphertext.bitWidth)
            } catch {
                throw .file("--ciphertext: '\(path)' is not a ciphertext written by encrypt (\(error))")
            }
            var message = Kms_V1_TypedCiphertext()
            message.ciphertext = data
            message.fheType = DecryptCommand.protoType(type)
            message.externalHandle = Data(SHA3_256.hash(Array(data)))
            typed.append(message)
            types.append(type)
            blockCounts.append(ciphertext.blocks.count)
        }
    }
}
