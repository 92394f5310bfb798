import Algebra
import FHEKeys
import SecureMemory

/// The correlated randomness one threshold key generation consumes, made by `KeyGenPreprocessing`
/// (DESIGN §3.4): this party's Shamir shares of the LWE key s and the GLWE key S (shared random bits) and of
/// every product s_i·S_t the bootstrapping key needs — and, for the multi-bit bootstrapping key (grouping factor 2),
/// of the pair products s_2g·s_2g+1 and s_2g·s_2g+1·S_t — and the exact TUniform noise of the key switching key (and,
/// at large C(n, t), of the bootstrapping key) made from shared bits (`SharedTUniformNoise`, docs/KEYGEN.md). Secret:
/// held only in memory this library wipes (`wipe()`), and serialized only into `SecretBytes` for the encrypted vault.
public struct KeyGenMaterial: Sendable {
    public let parameters: FHEParameters
    /// Shares of s (n_lwe), of S (k·N) and of s_i·S_t at index i·kN + t.
    public private(set) var smallKey: [FieldElement]
    public private(set) var bigKey: [FieldElement]
    public private(set) var products: [FieldElement]
    /// Multi-bit only (else empty): shares of s_2g·s_2g+1 (n/2) and of s_2g·s_2g+1·S_t at index g·kN + t.
    public private(set) var pairProducts: [FieldElement]
    public private(set) var pairBigProducts: [FieldElement]
    /// Shares of the key switching key's noise (kN·ℓ_ks TUniform samples), or empty in material made before it
    /// existed (versions 1 and 2): KeyGen then draws that noise as a PRSS-mask.
    public private(set) var switchingNoise: [FieldElement]
    /// Shares of the bootstrapping key's noise (one TUniform sample per body), or empty: KeyGen draws it as a
    /// PRSS-mask (`KeyGenPreprocessing.bootstrappingNoiseFromBits`).
    public private(set) var bootstrappingNoise: [FieldElement]

    static let magic: [UInt8] = Array("TKGM".utf8)
    /// Version 1: classic material (the format since 0.1.0); version 2: with the multi-bit pair products; version 3
    /// (written now): a flags byte, then the products and the noise shares.
    static let version: UInt8 = 1
    static let multiBitVersion: UInt8 = 2
    static let noiseVersion: UInt8 = 3
    static let multiBitFlag: UInt8 = 1, switchingNoiseFlag: UInt8 = 2, bootstrappingNoiseFlag: UInt8 = 4

    /// Whether this material makes a multi-bit bootstrapping key.
    public var isMultiBit: Bool { !pairProducts.isEmpty }

    public init(parameters: FHEParameters, smallKey: [FieldElement], bigKey: [FieldElement], products: [FieldElement],
                pairProducts: [FieldElement] = [], pairBigProducts: [FieldElement] = [],
                switchingNoise: [FieldElement] = [], bootstrappingNoise: [FieldElement] = []) throws(MPCError) {
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
        let switchingCount = Self.switchingNoiseCount(parameters)
        let bootstrappingCount = Self.bootstrappingNoiseCount(parameters, multiBit: multiBit)
        guard switchingNoise.isEmpty || switchingNoise.count == switchingCount,
              bootstrappingNoise.isEmpty || bootstrappingNoise.count == bootstrappingCount else {
            throw .invalidParameters("key-generation material: expected \(switchingCount) and \(bootstrappingCount) noise "
                + "shares (or none), got \(switchingNoise.count) and \(bootstrappingNoise.count)")
        }
        self.parameters = parameters
        self.smallKey = smallKey
        self.bigKey = bigKey
        self.products = products
        self.pairProducts = pairProducts
        self.pairBigProducts = pairBigProducts
        self.switchingNoise = switchingNoise
        self.bootstrappingNoise = bootstrappingNoise
    }

    /// Noise samples of the key switching key: one per body, kN·ℓ_ks.
    public static func switchingNoiseCount(_ parameters: FHEParameters) -> Int {
        parameters.bigLWEDimension * parameters.ksLevels
    }
    /// Noise samples of the bootstrapping key: one per body of the classic or the multi-bit key.
    public static func bootstrappingNoiseCount(_ parameters: FHEParameters, multiBit: Bool) -> Int {
        multiBit ? MultiBitBootstrappingKey.bodyCount(parameters: parameters)
            : parameters.lweDimension * (parameters.glweDimension + 1) * parameters.pbsLevels * parameters.polynomialSize
    }

    /// Wipes every share this value owns.
    public mutating func wipe() {
        zeroize(&smallKey)
        zeroize(&bigKey)
        zeroize(&products)
        zeroize(&pairProducts)
        zeroize(&pairBigProducts)
        zeroize(&switchingNoise)
        zeroize(&bootstrappingNoise)
    }

    /// "TKGM" | 3 | parameter-set id | flags (1 multi-bit, 2 switching noise, 4 bootstrapping noise) | shares
    /// (little-endian words: s, S, the products, the pair products if multi-bit, the noise present), written straight
    /// into owned memory. Versions 1 and 2 (no flags, no noise) are still read.
    public func serialized() -> SecretBytes {
        let parts = [smallKey, bigKey, products, pairProducts, pairBigProducts, switchingNoise, bootstrappingNoise]
        let flags = (isMultiBit ? Self.multiBitFlag : 0) | (switchingNoise.isEmpty ? 0 : Self.switchingNoiseFlag)
            | (bootstrappingNoise.isEmpty ? 0 : Self.bootstrappingNoiseFlag)
        let count = 7 + 8 * parts.reduce(0) { $0 + $1.count }
        return SecretBytes(count: count) { buffer in
            for (i, byte) in (Self.magic + [Self.noiseVersion, parameters.id, flags]).enumerated() { buffer[i] = byte }
            var offset = 7
            for part in parts {
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
                  [Self.version, Self.multiBitVersion, Self.noiseVersion].contains(bytes[4]) else {
                return .failure(.invalidParameters("key-generation material: not a TKGM v1, v2 or v3 record"))
            }
            guard let parameters = try? FHEParameters.withID(bytes[5]) else {
                return .failure(.invalidParameters("key-generation material: unknown parameter set \(bytes[5])"))
            }
            let flags: UInt8, header: Int
            switch bytes[4] {
            case Self.version: (flags, header) = (0, 6)
            case Self.multiBitVersion: (flags, header) = (Self.multiBitFlag, 6)
            default:
                guard bytes.count >= 7, bytes[6] & ~(Self.multiBitFlag | Self.switchingNoiseFlag | Self.bootstrappingNoiseFlag) == 0 else {
                    return .failure(.invalidParameters("key-generation material: bad v3 flags"))
                }
                (flags, header) = (bytes[6], 7)
            }
            let multiBit = flags & Self.multiBitFlag != 0
            let n = parameters.lweDimension, kN = parameters.bigLWEDimension
            let counts = [n, kN, n * kN, multiBit ? n / 2 : 0, multiBit ? n / 2 * kN : 0,
                          flags & Self.switchingNoiseFlag != 0 ? Self.switchingNoiseCount(parameters) : 0,
                          flags & Self.bootstrappingNoiseFlag != 0 ? Self.bootstrappingNoiseCount(parameters, multiBit: multiBit) : 0]
            let total = counts.reduce(0, +)
            guard bytes.count == header + 8 * total else {
                return .failure(.invalidParameters("key-generation material: \(bytes.count) bytes, expected \(header + 8 * total)"))
            }
            var parts = [[FieldElement]]()
            var offset = header
            for (index, count) in counts.enumerated() {
                var values = [FieldElement]()
                values.reserveCapacity(count)
                for _ in 0..<count {
                    let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    guard word < FieldElement.modulus else {
                        zeroize(&values)
                        for k in parts.indices { zeroize(&parts[k]) }
                        return .failure(.invalidParameters("key-generation material: a share of part \(index) is not below p"))
                    }
                    values.append(FieldElement(word))
                    offset += 8
                }
                parts.append(values)
            }
            return Result { () throws(MPCError) in
                try KeyGenMaterial(parameters: parameters, smallKey: parts[0], bigKey: parts[1], products: parts[2],
                                   pairProducts: parts[3], pairBigProducts: parts[4], switchingNoise: parts[5],
                                   bootstrappingNoise: parts[6])
            }
        }
        self = try parsed.get()
    }
}
