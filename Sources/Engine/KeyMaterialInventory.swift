import Foundation

/// Lists the key material a core holds by looking at its data directory. Layout (one entry per request id,
/// a file or a directory named by the 64-hex id):
///   public/PublicKey/<id>            FHE key sets (their public key is written last, so its presence means done)
///   public/CRS/<id>                  common reference strings
///   private/PreprocessingMaterial/<id>  key-generation preprocessing
/// Names that are not valid request ids (temporary files, dot files) are ignored.
public struct KeyMaterialInventory: Sendable {
    public static let fheKeyDirectory = "public/PublicKey"
    public static let crsDirectory = "public/CRS"
    public static let preprocessingDirectory = "private/PreprocessingMaterial"

    public let dataDirectory: String

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    public var fheKeyIds: [String] { ids(in: Self.fheKeyDirectory) }
    public var crsIds: [String] { ids(in: Self.crsDirectory) }
    public var preprocessingIds: [String] { ids(in: Self.preprocessingDirectory) }

    /// "file:<absolute path>", for KeyMaterialAvailability.storage_info.
    public var storageInfo: String {
        "file:" + URL(fileURLWithPath: dataDirectory).standardizedFileURL.path
    }

    private func ids(in relative: String) -> [String] {
        let directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent(relative).path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { (try? RequestIdentifier(validating: $0)) != nil }.sorted()
    }
}
