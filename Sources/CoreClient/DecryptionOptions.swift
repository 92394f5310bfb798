import ArgumentParser

/// The options `decrypt` and `user-decrypt` share: the key, the ciphertext files, the request id, the wait and --json.
struct DecryptionOptions: ParsableArguments {
    @Option(name: .customLong("key-id"), help: "The key set the ciphertexts are encrypted under.")
    var keyID: String

    @Option(name: .customLong("ciphertext"), help: "A file written by encrypt --out (repeat for a batch; the type is read from the file).")
    var ciphertextFiles: [String] = []

    @Option(name: .customLong("request-id"), help: "The request id to use (64 lower-case hex digits); random if omitted.")
    var decryptionRequestID: String?

    @Option(name: .customLong("wait-seconds"), help: "How long to wait for the cores to finish.")
    var waitSeconds: Int = 120

    @Flag(help: "Print the result as JSON on stdout.")
    var json = false

    /// The checked key id, request id and ciphertexts.
    func checked() throws(ClientError) -> (keyID: String, requestID: String, files: CiphertextFiles) {
        guard waitSeconds > 0 else { throw .usage("--wait-seconds: must be at least 1") }
        let key = try requestID(keyID)
        let id = try requestID(decryptionRequestID)
        return (key, id, try CiphertextFiles(paths: ciphertextFiles))
    }
}
