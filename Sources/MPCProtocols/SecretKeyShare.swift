import Algebra
import FHEKeys
import SecureMemory

/// One party's Shamir shares (degree t, at x = party id) of a key set's secret keys: the LWE key s and the
/// GLWE key S. What a core keeps, encrypted, after a threshold key generation; t + 1 of them give the keys.
public struct SecretKeyShare: Sendable {
    public let parameters: FHEParameters
    public let partyID: Int
    public private(set) var smallKey: [FieldElement]
    public private(set) var bigKey: [FieldElement]

    static let magic: [UInt8] = Array("TKSS".utf8)
    static let version: UInt8 = 1

    public init(parameters: FHEParameters, partyID: Int, smallKey: [FieldElement], bigKey: [FieldElement]) throws(MPCError) {
        guard smallKey.count == parameters.lweDimension, bigKey.count == parameters.bigLWEDimension, (1...64).contains(partyID) else {
            throw .invalidParameters("secret key share: \(smallKey.count) + \(bigKey.count) shares for party \(partyID)")
        }
        self.parameters = parameters
        self.partyID = partyID
        self.smallKey = smallKey
        self.bigKey = bigKey
    }

    public mutating func wipe() {
        zeroize(&smallKey)
        zeroize(&bigKey)
    }

    /// "TKSS" | version | parameter-set id | party id | shares of s then S (little-endian words).
    public func serialized() -> SecretBytes {
        let count = 7 + 8 * (smallKey.count + bigKey.count)
        return SecretBytes(count: count) { buffer in
            for (i, byte) in (Self.magic + [Self.version, parameters.id, UInt8(partyID)]).enumerated() { buffer[i] = byte }
            var offset = 7
            for element in smallKey + bigKey {
                buffer.storeBytes(of: element.value.littleEndian, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
        }
    }

    public init(serialized secret: SecretBytes) throws(MPCError) {
        let parsed: Result<SecretKeyShare, MPCError> = secret.withUnsafeBytes { bytes in
            guard bytes.count >= 7, Array(bytes[0..<4]) == Self.magic, bytes[4] == Self.version,
                  let parameters = try? FHEParameters.withID(bytes[5])
            else { return .failure(.invalidParameters("secret key share: not a TKSS v1 record")) }
            let n = parameters.lweDimension, kN = parameters.bigLWEDimension
            guard bytes.count == 7 + 8 * (n + kN) else {
                return .failure(.invalidParameters("secret key share: \(bytes.count) bytes, expected \(7 + 8 * (n + kN))"))
            }
            var values = [FieldElement]()
            values.reserveCapacity(n + kN)
            for k in 0..<(n + kN) {
                let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 7 + 8 * k, as: UInt64.self))
                guard word < FieldElement.modulus else {
                    zeroize(&values)
                    return .failure(.invalidParameters("secret key share: share \(k) is not below p"))
                }
                values.append(FieldElement(word))
            }
            defer { zeroize(&values) }
            return Result { () throws(MPCError) in
                try SecretKeyShare(parameters: parameters, partyID: Int(bytes[6]), smallKey: Array(values[0..<n]),
                                   bigKey: Array(values[n...]))
            }
        }
        self = try parsed.get()
    }

    /// A centralized core's key: its "share" is the whole key (degree 0, party 1, `InsecureKeyGeneration.centralized`).
    /// Refuses a share of a threshold key, whose value alone is not the key.
    public func centralizedClientKey() throws(MPCError) -> ClientKey {
        guard partyID == 1 else { throw .invalidParameters("party \(partyID)'s share is not a centralized key") }
        return ClientKey(parameters: parameters, small: LWESecretKey(coefficients: smallKey), big: GLWESecretKey(coefficients: bigKey))
    }

    /// TEST ONLY: the secret keys from t + 1 or more shares (interpolation at 0). Whoever holds the result holds
    /// the key set's secret; the service never calls this.
    public static func insecureReconstruct(_ shares: [SecretKeyShare], threshold: Int) throws -> ClientKey {
        guard let first = shares.first, shares.count > threshold else {
            throw MPCError.tooFewShares(received: shares.count, needed: threshold + 1)
        }
        func open(_ values: KeyPath<SecretKeyShare, [FieldElement]>, count: Int) throws -> [FieldElement] {
            try (0..<count).map { index in
                try Shamir.reconstruct(shares.map { (party: $0.partyID, share: $0[keyPath: values][index]) }, threshold: threshold)
            }
        }
        let parameters = first.parameters
        return ClientKey(parameters: parameters,
                         small: LWESecretKey(coefficients: try open(\.smallKey, count: parameters.lweDimension)),
                         big: GLWESecretKey(coefficients: try open(\.bigKey, count: parameters.bigLWEDimension)))
    }
}
