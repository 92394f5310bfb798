import Algebra
import Crypto
import FHEKeys
import Foundation
import KMSAPI

/// One ciphertext of a decryption request after its checks (DESIGN §4): a known type, a well-formed radix
/// ciphertext of that width under the key's parameter set, and the 32-byte handle the answer signs — the
/// caller's, or SHA3-256 of the ciphertext bytes when the caller gives none.
struct DecryptionInput: Sendable {
    let type: FheType
    let ciphertext: RadixCiphertext
    let handle: [UInt8]
    /// This ciphertext's part of the request digest that binds pool material to the request's bytes
    /// (`DecryptionService`): 0x03 ‖ SHA3-256 of the bytes when that is also the default handle (hashed once),
    /// else 0x02 ‖ SHA-256 of them. A full node names its handles, and then this hash is all a core spends on a
    /// ciphertext's bytes besides parsing: SHA-256 runs at 1.4 GB/s here (SHA-NI), SHA3-256 at 0.27–0.36 GB/s, and
    /// a euint64 is 235 KiB (docs/BENCHMARKS.md).
    let contentHash: [UInt8]

    /// The API's FheType as FHEKeys' (nil for UNSPECIFIED and unknown values).
    static func fheType(_ type: Kms_V1_FheType) -> FheType? {
        switch type {
        case .bool: .bool
        case .uint4: .uint4
        case .uint8: .uint8
        case .uint16: .uint16
        case .uint32: .uint32
        case .uint64: .uint64
        case .uint128: .uint128
        case .uint160: .uint160
        case .uint256: .uint256
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    static func protoType(_ type: FheType) -> Kms_V1_FheType {
        switch type {
        case .bool: .bool
        case .uint4: .uint4
        case .uint8: .uint8
        case .uint16: .uint16
        case .uint32: .uint32
        case .uint64: .uint64
        case .uint128: .uint128
        case .uint160: .uint160
        case .uint256: .uint256
        }
    }

    /// Checks every ciphertext of a request; the error names the first bad one by its index.
    static func parse(_ ciphertexts: [Kms_V1_TypedCiphertext], parameters: FHEParameters, limit: Int) throws(EngineError) -> [DecryptionInput] {
        guard !ciphertexts.isEmpty else { throw .invalidArgument("ciphertexts: the request holds none") }
        guard ciphertexts.count <= limit else {
            throw .invalidArgument("ciphertexts: \(ciphertexts.count) in one request, at most \(limit) (decryption.batch_limit)")
        }
        return try ciphertexts.enumerated().map { index, typed throws(EngineError) in
            let field = "ciphertexts[\(index)]"
            guard let type = fheType(typed.fheType) else {
                throw .invalidArgument("\(field).fhe_type: \(typed.fheType) is not a decryptable type")
            }
            let bytes = Array(typed.ciphertext)
            let ciphertext: RadixCiphertext
            do {
                ciphertext = try RadixCiphertext(serialized: bytes, parameters: parameters)
            } catch {
                throw .invalidArgument("\(field).ciphertext: not a radix ciphertext of parameter set \(parameters.name) (\(error))")
            }
            guard ciphertext.bitWidth == type.rawValue else {
                throw .invalidArgument("\(field): the ciphertext holds \(ciphertext.bitWidth) bits, fhe_type says \(type.rawValue)")
            }
            let handle: [UInt8], contentHash: [UInt8]
            if typed.externalHandle.isEmpty {
                handle = SHA3_256.hash(bytes)
                contentHash = [0x03] + handle
            } else {
                guard typed.externalHandle.count == 32 else {
                    throw .invalidArgument("\(field).external_handle: \(typed.externalHandle.count) bytes, a handle is 32 (or empty)")
                }
                handle = Array(typed.externalHandle)
                contentHash = [0x02] + Array(SHA256.hash(data: bytes))
            }
            return DecryptionInput(type: type, ciphertext: ciphertext, handle: handle, contentHash: contentHash)
        }
    }

    /// The value of decrypted blocks (messages incl. carry, one per block in order): each block's message
    /// modulo the message modulus, recomposed little-endian; FheBool's single block holds 0 or 1.
    static func value(of messages: ArraySlice<UInt64>, type: FheType, parameters: FHEParameters) throws(EngineError) -> RadixValue {
        let digits = messages.map { $0 % parameters.messageModulus }
        do {
            return try RadixValue(digits: digits, bitsPerDigit: 2).truncated(toBits: type.rawValue)
        } catch {
            throw .internalFailure("decrypted blocks do not form a \(type.rawValue)-bit value")
        }
    }

    /// The plaintext as the API returns it: little-endian, ⌈bits / 8⌉ bytes.
    static func plaintextBytes(_ value: RadixValue, type: FheType) -> [UInt8] {
        Array(value.littleEndianBytes.prefix((type.rawValue + 7) / 8))
    }
}
