import Algebra
import FHEKeys
import SecureMemory

/// The correlated randomness one threshold key generation consumes, made by `KeyGenPreprocessing`
/// (DESIGN §3.4): this party's Shamir shares of the LWE key s and the GLWE key S (shared random bits) and of
/// every product s_i·S_t the bootstrapping key needs — and, for the multi-bit bootstrapping key (grouping factor 2),
/// of the pair products s_2g·s_2g+1 and s_2g·s_2g+1·S_t. Secret: held only in memory this library wipes (`wipe()`),
/// and serialized only into `SecretBytes` for the encrypted vault.
public struct KeyGenMaterial: Sendable {
    public let parameters: FHEParameters
    /// Shares of s (n_lwe), of S (k·N) and of s_i·S_t at index i·kN + t.
    public private(set) var smallKey: [FieldElement]
    public private(set) var bigKey: [FieldElement]
    public private(set) var products: [FieldElement]
    /// Multi-bit only (else empty): shares of s_2g·s_2g+1 (n/2) and of s_2g·s_2g+1·S_t at index g·kN + t.
    public private(set) var pairProducts: [FieldElement]
    public private(set) var pairBigProducts: [FieldElement]

    static let magic: [UInt8] = Array("TKGM".utf8)
    /// Version 1: classic material (the format since 0.1.0); version 2: with the multi-bit pair products.
    static let version: UInt8 = 1
    static let multiBitVersion: UInt8 = 2

    /// Whether this material makes a multi-bit bootstrapping key.
    public var isMultiBit: Bool { !pairProducts.isEmpty }

    public init(parameters: FHEParameters, smallKey: [FieldElement], bigKey: [FieldElement], products: [FieldElement],
                pairProducts: [FieldElement] = [], pairBigProducts: [FieldElement] = []) throws(MPCError) {
        let n = parameters.lweDimension, kN = parameters.bigLWEDimension
        guard smallKey.count == n, bigKey.count == kN, products.count == n * kN else {
            throw .invalidParameters("key-generation material: expected \(n) + \(kN) + \(n * kN) shares, got "
                + "\(smallKey.count) + \(bigKey.count) + \(products.count)")
        }
        let multiBit = !pairProducts.isEmpty || !pairBigProducts.isEmpty
        guard !multiBit || (MultiBitBootstrappingKey.supports(parameters) && pairProducts.count == n / 2
                            && pairBigProducts.count == n / 2 * kN) else {
            throw .invalidParameters("key-generation material: expected \(n / 2) + \(n / 2 * kN) multi-bit shares, got "
                + "\(pairProducts.count) + \(pairBigProducts.count)")
        }
        self.parameters = parameters
        self.smallKey = smallKey
        self.bigKey = bigKey
        self.products = products
        self.pairProducts = pairProducts
        self.pairBigProducts = pairBigProducts
    }

    /// Wipes every share this value owns.
    public mutating func wipe() {
        zeroize(&smallKey)
        zeroize(&bigKey)
        zeroize(&products)
        zeroize(&pairProducts)
        zeroize(&pairBigProducts)
    }

    /// "TKGM" | version | parameter-set id | shares (little-endian words), written straight into owned memory.
    /// Classic material is written as version 1 (byte-identical to before), multi-bit material as version 2.
    public func serialized() -> SecretBytes {
        let all = isMultiBit ? [smallKey, bigKey, products, pairProducts, pairBigProducts] : [smallKey, bigKey, products]
        let version = isMultiBit ? Self.multiBitVersion : Self.version
        let count = 6 + 8 * all.reduce(0) { $0 + $1.count }
        return SecretBytes(count: count) { buffer in
            for (i, byte) in (Self.magic + [version, parameters.id]).enumerated() { buffer[i] = byte }
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
            guard bytes.count >= 6, Array(bytes[0..<4]) == Self.magic,
                  bytes[4] == Self.version || bytes[4] == Self.multiBitVersion else {
                return .failure(.invalidParameters("key-generation material: not a TKGM v1 or v2 record"))
            }
            let multiBit = bytes[4] == Self.multiBitVersion
            guard let parameters = try? FHEParameters.withID(bytes[5]) else {
                return .failure(.invalidParameters("key-generation material: unknown parameter set \(bytes[5])"))
            }
            let n = parameters.lweDimension, kN = parameters.bigLWEDimension
            let classic = n + kN + n * kN
            let total = classic + (multiBit ? n / 2 + n / 2 * kN : 0)
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
                                   products: Array(values[(n + kN)..<classic]),
                                   pairProducts: multiBit ? Array(values[classic..<(classic + n / 2)]) : [],
                                   pairBigProducts: multiBit ? Array(values[(classic + n / 2)...]) : [])
            }
        }
        self = try parsed.get()
    }
}
