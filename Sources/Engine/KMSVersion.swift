/// The version this core reports in GetHealthStatus and `--version`.
public enum KMSVersion {
    public static let current = "0.1.0"
}
