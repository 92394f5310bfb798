import Algebra
import FHEKeys
import SecureMemory

/// The correlated randomness one threshold key generation consumes, made by `KeyGenPreprocessing`
/// (DESIGN §3.4): this party's Shamir shares of the LWE key s and the GLWE key S (shared random bits) and of
/// every product s_i·S_t the bootstrapping key needs. Secret: held only in memory this library wipes
/// (`wipe()`), and serialized only into `SecretBytes` for the encrypted vault.
public struct KeyGenMaterial: Sendable {
    public let parameters: FHEParameters
    /// Shares of s (n_lwe), of S (k·N) and of s_i·S_t at index i·kN + t.
    public private(set) var smallKey: [FieldElement]
    public private(set) var bigKey: [FieldElement]
    public private(set) var products: [FieldElement]

    static let magic: [UInt8] = Array("TKGM".utf8)
    static let version: UInt8 = 1

    public init(parameters: FHEParameters, smallKey: [FieldElement], bigKey: [FieldElement], products: [FieldElement]) throws(MPCError) {
        let n = parameters.lweDimension, kN = parameters.bigLWEDimension
        guard smallKey.count == n, bigKey.count == kN, products.count == n * kN else {
            throw .invalidParameters("key-generation material: expected \(n) + \(kN) + \(n * kN) shares, got "
                + "\(smallKey.count) + \(bigKey.count) + \(products.count)")
        }
        self.parameters = parameters
        self.smallKey = smallKey
        self.bigKey = bigKey
        self.products = products
    }

    /// Wipes every share this value owns.
    public mutating func wipe() {
        zeroize(&smallKey)
        zeroize(&bigKey)
        zeroize(&products)
    }

    /// "TKGM" | version | parameter-set id | shares (little-endian words), written straight into owned memory.
    public func serialized() -> SecretBytes {
        let all = [smallKey, bigKey, products]
        let count = 6 + 8 * all.reduce(0) { $0 + $1.count }
        return SecretBytes(count: count) { buffer in
            for (i, byte) in (Self.magic + [Self.version, parameters.id]).enumerated() { buffer[i] = byte }
            var offset = 6
            for part in all {
                for element in part {
                    buffer.storeBytes(of: element.value.littleEndian, toByteOffset: offset, as: UInt64.self)
                    offset += 8
                }
            }
        }
    }

    public init(serialized secret: SecretBytes) throws(MPCError) {
        let parsed: Result<KeyGenMaterial, MPCError> = secret.withUnsafeBytes { bytes in
            guard bytes.count >= 6, Array(bytes[0..<4]) == Self.magic, bytes[4] == Self.version else {
                return .failure(.invalidParameters("key-generation material: not a TKGM v1 record"))
            }
            guard let parameters = try? FHEParameters.withID(bytes[5]) else {
                return .failure(.invalidParameters("key-generation material: unknown parameter set \(bytes[5])"))
            }
            let n = parameters.lweDimension, kN = parameters.bigLWEDimension
            let total = n + kN + n * kN
            guard bytes.count == 6 + 8 * total else {
                return .failure(.invalidParameters("key-generation material: \(bytes.count) bytes, expected \(6 + 8 * total)"))
            }
            var values = [FieldElement]()
            values.reserveCapacity(total)
            for k in 0..<total {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 6 + 8 * k, as: UInt64.self))
                guard word < FieldElement.modulus else {
                    zeroize(&values)
                    return .failure(.invalidParameters("key-generation material: share \(k) is not below p"))
                }
                values.append(FieldElement(word))
            }
            defer { zeroize(&values) }
            return Result { () throws(MPCError) in
                try KeyGenMaterial(parameters: parameters, smallKey: Array(values[0..<n]), bigKey: Array(values[n..<(n + kN)]),
                                   products: Array(values[(n + kN)...]))
            }
        }
        self = try parsed.get()
    }
}
