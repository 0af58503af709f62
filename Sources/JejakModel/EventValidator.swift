import JejakBase

/// The validation hook: where schemas and domain rules refuse events before they become history.
///
/// The ledger calls a validator twice per event:
/// 1. ``validate(_:)`` in the publisher's own task, in parallel with other appends, before the
///    event is sequenced: stateless checks such as the JSON Schema of `data`;
/// 2. ``validate(_:stream:registry:)`` on the ledger's writer, in log order, with the event's
///    stream as it stands just before it: rules decided from the stream's earlier events (only
///    the requester may acknowledge, nothing is delivered after a withdrawal, …).
///
/// Either may throw a ``ValidationFailure``; the append is then refused with
/// ``LedgerError/Code/rejectedByValidator`` and the failure's rule and message, and nothing is
/// written. Registry events are checked by the ledger itself before the hook sees them.
///
/// ```swift
/// struct NoEmptyTitles: EventValidator {
///     func validate(_ event: CloudEvent) throws(ValidationFailure) {
///         if case .string("")? = event.data["title"] {
///             throw ValidationFailure(rule: "title-required", message: "the title is empty")
///         }
///     }
/// }
/// ```
public protocol EventValidator: Sendable {
    /// Stateless checks of one event, run before sequencing, in parallel.
    ///
    /// - Throws: ``ValidationFailure`` to refuse the event.
    func validate(_ event: CloudEvent) throws(ValidationFailure)

    /// Checks of one event against its stream's history, run by the writer in log order.
    ///
    /// Keep it fast: it runs on the single writer. ``StreamState/events()`` reads the stream's
    /// earlier events when a rule needs them.
    ///
    /// - Throws: ``ValidationFailure`` to refuse the event.
    func validate(_ event: CloudEvent, stream: StreamState, registry: Registry) throws(ValidationFailure)
}

extension EventValidator {
    /// Accepts every event.
    public func validate(_ event: CloudEvent) throws(ValidationFailure) {}
    /// Accepts every event.
    public func validate(_ event: CloudEvent, stream: StreamState, registry: Registry) throws(ValidationFailure) {}
}

/// A validator that accepts everything: the default until the schemas are plugged in.
public struct AcceptAllValidator: EventValidator {
    /// Creates the validator.
    public init() {}
}

/// Why a validator refused an event.
public struct ValidationFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// A short name of the rule broken, e.g. `schema` or `only-requester-acknowledges`.
    public var rule: String
    /// One sentence saying what was wrong.
    public var message: String
    /// The field of the event that failed, as a JSON Pointer into the event (e.g.
    /// `/data/items/0/sha256`), when one field is to blame.
    public var field: String?
    /// The JSON Schema keyword that failed (e.g. `pattern`), for schema violations.
    public var keyword: String?

    /// Creates a failure.
    public init(rule: String, message: String, field: String? = nil, keyword: String? = nil) {
        self.rule = rule
        self.message = message
        self.field = field
        self.keyword = keyword
    }

    public var description: String { "\(rule): \(message)" }
}

/// A stream (all events with one `subject`) as it stands just before the event being validated.
public struct StreamState: Sendable {
    /// The stream's subject.
    public let subject: String
    /// The number of events already in the stream (0 for a new stream).
    public let version: UInt64
    let loader: @Sendable () throws(LedgerError) -> [LogEntry]

    /// A stream state whose earlier events `loader` reads: for re-deciding rules outside the
    /// writer (an integrity audit replaying the log).
    public init(subject: String, version: UInt64, loader: @escaping @Sendable () throws(LedgerError) -> [LogEntry]) {
        self.subject = subject
        self.version = version
        self.loader = loader
    }

    /// The stream's earlier events, oldest first, including those sequenced earlier in the same
    /// batch (whose index is provisional until the batch commits).
    ///
    /// - Throws: ``LedgerError`` when the log cannot be read.
    public func events() throws(LedgerError) -> [LogEntry] { try loader() }
}
