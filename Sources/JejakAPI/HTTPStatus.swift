import JejakModel

/// The HTTP status of each refusal of the ledger: what a server answers and what a client
/// reads back. A client's mistake is a 4xx, never a 500; a 5xx is the server's own trouble.
public enum HTTPStatus {
    /// The status for a ledger error code:
    ///
    /// | Status | Codes |
    /// |---|---|
    /// | 400 | malformed envelopes and events, wrong payload type or signature count, an empty or mixed batch, a duplicate in a batch, a bad expected version or proof request |
    /// | 404 | ``LedgerError/Code/notFound``, ``LedgerError/Code/notWitnessed`` |
    /// | 409 | ``LedgerError/Code/streamVersionMismatch``, ``LedgerError/Code/eventIDConflict``, ``LedgerError/Code/partialRetry`` |
    /// | 413 | ``LedgerError/Code/leafTooLarge`` |
    /// | 422 | refused by a rule, a bad signature, an unknown source or a key not active, a registry rule |
    /// | 503 | ``LedgerError/Code/writerQueueFull``, ``LedgerError/Code/ledgerBusy``, ``LedgerError/Code/notWritable`` |
    /// | 500 | everything else (a damaged store, a storage failure) |
    public static func of(_ code: LedgerError.Code) -> Int {
        switch code {
        case .malformedEnvelope, .malformedEvent, .unsupportedPayloadType, .signatureCount, .emptyAppend,
             .duplicateInBatch, .mixedStreams, .invalidExpectedVersion, .invalidProofRequest:
            400
        case .notFound, .notWitnessed: 404
        case .streamVersionMismatch, .eventIDConflict, .partialRetry: 409
        case .leafTooLarge: 413
        case .rejectedByValidator, .badSignature, .unknownSource, .keyNotActive, .registryRule: 422
        case .writerQueueFull, .ledgerBusy, .notWritable: 503
        default: 500
        }
    }

    /// The status for an error code's name, a ledger's or the API's own (a client reading a
    /// problem document back uses it to tell a refusal, 4xx, from the server's trouble, 5xx).
    public static func of(codeName name: String) -> Int {
        switch name {
        case APIError.Code.requestTooLarge.name: 413
        case APIError.Code.unsupportedMediaType.name: 415
        case APIError.Code.malformedRequest.name, APIError.Code.invalidParameter.name: 400
        case APIError.Code.witnessTimeout.name: 504
        default: of(LedgerError.Code(name))
        }
    }
}
