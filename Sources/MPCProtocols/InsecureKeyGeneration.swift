import Algebra
import FHEKeys

/// Key sets generated in the clear, in the same format as the DKG's: for the test-only InsecureKeyGen (every
/// core derives the whole secret key from a jointly opened seed, so each of them knows it) and for the
/// centralized mode (one core, which is trusted with the key anyway). Never use the insecure variant for data
/// that matters.
public enum InsecureKeyGeneration {
    /// INSECURE: the key set every core derives from `seed` (the same at all of them), with this party's share
    /// taken from a degree-t sharing whose polynomials also come from `seed`. Whoever knows the seed knows the key.
    public static func fromSharedSeed(
        _ seed: [UInt8], parameters: FHEParameters, partyID: Int, partyCount: Int, threshold: Int
    ) throws -> ThresholdKeySet {
        let clientKey = ClientKey.insecureFromSeed(seed, parameters: parameters)
        var generator = FastSeededGenerator(seed: seed, domain: "kms.insecure-keygen.noise")
        defer { generator.wipe() }
        let seeds = KeySetSeeds(root: SHA3_256.hash(seed + Array("kms.insecure-keygen.seeds".utf8)))
        var sharing = FastSeededGenerator(seed: seed, domain: "kms.insecure-keygen.sharing")
        defer { sharing.wipe() }
        func share(_ values: [FieldElement]) -> [FieldElement] {
            values.map { Shamir.share($0, threshold: threshold, partyCount: partyCount, using: &sharing)[partyID - 1] }
        }
        let small = share(clientKey.small.coefficients), big = share(clientKey.big.coefficients)
        return try keySet(clientKey: clientKey, seeds: seeds, noise: &generator,
                          share: try SecretKeyShare(parameters: parameters, partyID: partyID, smallKey: small, bigKey: big))
    }

    /// A centralized key set: the whole secret key is this core's "share" (degree 0 at party 1).
    public static func centralized(parameters: FHEParameters) throws -> ThresholdKeySet {
        var random = SecureRandom()
        let clientKey = ClientKey.generate(parameters: parameters)
        let seeds = KeySetSeeds(root: random.bytes(count: 32))
        return try keySet(clientKey: clientKey, seeds: seeds, noise: &random,
                          share: try SecretKeyShare(parameters: parameters, partyID: 1, smallKey: clientKey.small.coefficients,
                                                    bigKey: clientKey.big.coefficients))
    }

    private static func keySet<G: RandomNumberGenerator>(
        clientKey: ClientKey, seeds: KeySetSeeds, noise: inout G, share: SecretKeyShare
    ) throws -> ThresholdKeySet {
        let publicKey = CompactPublicKey.generate(clientKey.big, parameters: clientKey.parameters, seed: seeds.publicKey, using: &noise)
        let serverKey = clientKey.serverKey(seed: seeds.root, using: &noise)
        return ThresholdKeySet(seeds: seeds, publicKey: publicKey, serverKey: serverKey, share: share)
    }
}
