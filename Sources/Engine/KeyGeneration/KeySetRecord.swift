import Foundation

/// What a core remembers of a key set it generated, stored encrypted in the private vault as
/// `FheKeyInfo/<key id>` and written last (its presence means the key set is complete): the digests of the
/// public objects, the preprocessing it consumed and the core's signature, so the result can be served again
/// after a restart and every public object checked against what was signed.
struct KeySetRecord: Codable, Sendable, Equatable {
    static let kind = "FheKeyInfo"
    static let currentVersion = 1

    struct Digest: Codable, Sendable, Equatable {
        /// "ServerKey" or "PublicKey" (DESIGN §3.6 keyType 0 and 1).
        var type: String
        var digest: [UInt8]
    }

    var version = currentVersion
    var keyID: String
    /// The consumed preprocessing ("" for insecure or centralized generation without one).
    var preprocessingID: String
    var parameterSet: UInt8
    /// "threshold", "insecure" or "centralized".
    var mode: String
    var digests: [Digest]
    /// The EIP-712 KeygenVerification signature (65 bytes), empty when none was requested.
    var signature: [UInt8]
    var partyID: Int
    var threshold: Int

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(self))
    }

    init(decoding bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(KeySetRecord.self, from: Data(bytes))
        guard version == Self.currentVersion else { throw EngineError.internalFailure("key record version \(version) is not supported") }
    }

    init(keyID: String, preprocessingID: String, parameterSet: UInt8, mode: String, digests: [Digest], signature: [UInt8],
         partyID: Int, threshold: Int) {
        self.keyID = keyID; self.preprocessingID = preprocessingID; self.parameterSet = parameterSet; self.mode = mode
        self.digests = digests; self.signature = signature; self.partyID = partyID; self.threshold = threshold
    }
}

/// What a core remembers of a key-generation preprocessing (`KeyGenPreprocInfo/<id>`, private): the result it
/// signed and whether a key generation consumed it. The material itself is a separate private object
/// (`KeyGenPreprocessing/<id>`), deleted when consumed.
struct PreprocessingRecord: Codable, Sendable, Equatable {
    static let kind = "KeyGenPreprocInfo"
    static let materialKind = "KeyGenPreprocessing"

    var preprocessingID: String
    var parameterSet: UInt8
    var epochID: String
    var digest: [UInt8]
    var signature: [UInt8]
    /// The key generation that consumed it, nil while unused.
    var consumedBy: String?

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array(try encoder.encode(self))
    }

    init(decoding bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(PreprocessingRecord.self, from: Data(bytes))
    }

    init(preprocessingID: String, parameterSet: UInt8, epochID: String, digest: [UInt8], signature: [UInt8], consumedBy: String?) {
        self.preprocessingID = preprocessingID; self.parameterSet = parameterSet; self.epochID = epochID
        self.digest = digest; self.signature = signature; self.consumedBy = consumedBy
    }
}
