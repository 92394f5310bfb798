/// Which backend holds the vault's objects, as chosen in the server's config (DESIGN §5, §6).
public enum StorageConfiguration: Sendable, Equatable {
    /// A local directory (created if missing, locked while open).
    case file(directory: String)
    /// An S3 (or S3-compatible) bucket.
    case s3(S3Configuration)

    /// Opens the configured backend.
    public func makeBackend() throws -> any StorageBackend {
        switch self {
        case .file(let directory): try FileStorage(root: directory)
        case .s3(let configuration): try S3Storage(configuration: configuration)
        }
    }
}
