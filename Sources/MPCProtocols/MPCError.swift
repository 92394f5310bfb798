/// Errors of the MPC protocol library.
public enum MPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer usable shares than decoding needs (more than t parties missing or wrong).
    case tooFewShares(received: Int, needed: Int)
    /// Reed–Solomon decoding found no degree-t polynomial within t errors of the shares.
    case decodingFailed(index: Int)
    /// Shares of a degree-2t sharing disagree and n is too small to correct them (error detected, no output).
    case cheatingDetected(index: Int)
    /// A parameter is out of range (n, t, party id, batch length).
    case invalidParameters(String)
    /// A message could not be decoded.
    case malformedMessage(from: Int)
    /// A one-time setup could not complete (e.g. a PRSS subset still had missing keys after every member dealt);
    /// the caller retries the whole setup under a new session.
    case setupFailed(String)
    /// Preprocessed elements bound to a session were asked for again, or their batch failed (never reused).
    case preprocessingUnavailable(String)

    public var description: String {
        switch self {
        case let .tooFewShares(received, needed): "robust open: \(received) usable shares, \(needed) needed"
        case let .decodingFailed(index): "robust open: no degree-t polynomial within t errors at batch index \(index)"
        case let .cheatingDetected(index): "degree-2t open: inconsistent shares at batch index \(index) (cheating detected)"
        case let .invalidParameters(message): "invalid MPC parameters: \(message)"
        case let .malformedMessage(from): "malformed message from party \(from)"
        case let .setupFailed(message): "MPC setup failed: \(message)"
        case let .preprocessingUnavailable(message): "preprocessing: \(message)"
        }
    }
}
