import JejakBase

/// The kind of ``APIError``: its codes are the static members of `ErrorCode<APIErrors>`.
public enum APIErrors: ErrorKind {}

/// A failure of the HTTP API's own: a request the server can't read, or an answer a client
/// can't trust or parse. A refusal by the ledger is a ``Problem`` carrying a `LedgerError`.
public typealias APIError = CodedError<APIErrors>

extension ErrorCode where Kind == APIErrors {
    /// The request's body is not what the route takes (not JSON, not an envelope or an array
    /// of envelopes, not UTF-8, cut short).
    public static var malformedRequest: Self { Self("malformedRequest") }
    /// The request's body is larger than the server takes.
    public static var requestTooLarge: Self { Self("requestTooLarge") }
    /// The request's `Content-Type` is not one the route takes.
    public static var unsupportedMediaType: Self { Self("unsupportedMediaType") }
    /// A path or query parameter is not of the form the route takes.
    public static var invalidParameter: Self { Self("invalidParameter") }
    /// The server's answer is not of the form the API defines.
    public static var malformedResponse: Self { Self("malformedResponse") }
    /// The server's answer does not verify: a receipt or checkpoint not signed by the pinned
    /// log, an inclusion or consistency proof that fails, an entry that is not the one asked.
    public static var unverifiedResponse: Self { Self("unverifiedResponse") }
    /// The server showed a checkpoint inconsistent with one the client verified before: two
    /// views of the log (a split view, or a rolled-back log).
    public static var splitView: Self { Self("splitView") }
    /// The server could not be reached, or did not answer in time, after every retry.
    public static var unreachable: Self { Self("unreachable") }
    /// The outbox file holds records that are not an outbox's.
    public static var outbox: Self { Self("outbox") }
    /// A file of the client's own (its outbox, its pinned checkpoint) can't be read or written.
    public static var localFile: Self { Self("localFile") }
    /// A publish asked to wait for the witnesses (`wait=witnessed`), and their quorum was not
    /// met in time. The events are committed: the problem's `eventID`/detail says where, and
    /// publishing them again (the same ids) answers their receipts once witnessed.
    public static var witnessTimeout: Self { Self("witnessTimeout") }
}

extension CodedError where Kind == APIErrors {
    /// The status a server answers for an API error of its own.
    public var status: Int {
        switch code {
        case .requestTooLarge: 413
        case .unsupportedMediaType: 415
        case .malformedRequest, .invalidParameter: 400
        case .witnessTimeout: 504
        default: 500
        }
    }

    /// The problem document a server answers for this error.
    public var problem: Problem { Problem(status: status, code: code.name, detail: message) }
}
