import KMSAPI

/// Validates the RequestId fields of an incoming message before any handler sees it (DESIGN §4:
/// every RequestId is 32 bytes as 64 lower-case hex characters; anything else is INVALID_ARGUMENT).
enum RequestIdentifierChecks {
    /// A required id: must be present and valid.
    @discardableResult
    static func required(_ id: Kms_V1_RequestId, present: Bool = true, field: String) throws(EngineError)
        -> RequestIdentifier
    {
        guard present else { throw EngineError.invalidArgument("\(field): missing") }
        return try RequestIdentifier(validating: id.requestID, field: field)
    }

    /// An optional id: absent or empty means "the default"; when given it must be valid.
    @discardableResult
    static func optional(_ id: Kms_V1_RequestId, present: Bool, field: String) throws(EngineError)
        -> RequestIdentifier?
    {
        guard present, !id.requestID.isEmpty else { return nil }
        return try RequestIdentifier(validating: id.requestID, field: field)
    }
}
