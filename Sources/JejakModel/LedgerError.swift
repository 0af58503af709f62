import JejakBase

/// Why the ledger refused or could not do something.
///
/// Every refusal of an append names the rule that was broken in ``code`` and says, in one
/// sentence, what was wrong in ``message``; a refused append leaves the ledger unchanged. The
/// context fields say which event (``eventID``, ``position`` in the appended batch) and, for a
/// stream version mismatch, the ``actualVersion``.
///
/// ```swift
/// do { _ = try await ledger.append(event, expecting: .exactly(3)) }
/// catch let e as LedgerError where e.code == .streamVersionMismatch {
///     print("the stream is at version \(e.actualVersion ?? 0)")
/// }
/// ```
public struct LedgerError: JejakError, Hashable {
    /// The rule broken, or the operation that failed (see `ErrorCode<LedgerErrors>`).
    public typealias Code = ErrorCode<LedgerErrors>


    /// The rule broken, or the operation that failed.
    public var code: Code
    /// One sentence for a person: what was wrong (and, where it helps, what to do).
    public var message: String
    /// The id of the event concerned, when there is one.
    public var eventID: String?
    /// The event's position (0-based) in the appended array, when there is one.
    public var position: Int?
    /// The stream's actual version, for ``Code/streamVersionMismatch``.
    public var actualVersion: UInt64?
    /// The validation hook's rule, for ``Code/rejectedByValidator`` (e.g. `schema`,
    /// `only-requester-acknowledges`).
    public var rule: String?
    /// The event field that failed, as a JSON Pointer into the event (e.g. `/data/dueDate`).
    public var field: String?
    /// The JSON Schema keyword that failed, for schema violations.
    public var keyword: String?
    /// The error this one wraps (a storage or crypto error, a validator's failure), if any.
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, eventID: String? = nil, position: Int? = nil, actualVersion: UInt64? = nil,
                underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.eventID = eventID
        self.position = position
        self.actualVersion = actualVersion
        self.underlying = underlying
    }

    /// The error for an event the validation hook refused.
    public init(rejectedBy failure: ValidationFailure) {
        self.init(.rejectedByValidator, "\(failure.rule): \(failure.message)", underlying: failure)
        rule = failure.rule
        field = failure.field
        keyword = failure.keyword
    }

    /// The code's name.
    public var codeName: String { code.name }

    /// Equal when every field but the wrapped error is.
    public static func == (a: LedgerError, b: LedgerError) -> Bool {
        a.code == b.code && a.message == b.message && a.eventID == b.eventID && a.position == b.position
            && a.actualVersion == b.actualVersion && a.rule == b.rule && a.field == b.field && a.keyword == b.keyword
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(position)
    }

    public var description: String { "\(code): \(message)\(whichEvent)" }

    /// Which event of an append the error is about, as every message says it (the library's
    /// and the CLI's): ` (position 0 in the append, event id "…")`, or empty. A position counts
    /// from 0 within the events given to one `append`, never a log index.
    public var whichEvent: String {
        guard let position else { return eventID.map { " (event id \"\($0)\")" } ?? "" }
        return " (position \(position) in the append" + (eventID.map { ", event id \"\($0)\"" } ?? "") + ")"
    }

    /// The error, said of the event at `position` (id `id`) of an append, unless it already names one.
    package func at(_ position: Int, id: String?) -> LedgerError {
        var e = self
        e.position = e.position ?? position
        e.eventID = e.eventID ?? id
        return e
    }
}

/// The kind of ``LedgerError``: its codes are the static members of `ErrorCode<LedgerErrors>`.
public enum LedgerErrors: ErrorKind {}

extension ErrorCode where Kind == LedgerErrors {
    // Refusals of an append (nothing is written).
    /// The leaf (the `appended` time and the envelope) would exceed 65,535 bytes.
    public static var leafTooLarge: Self { Self("leafTooLarge") }
    /// The DSSE envelope is not valid JSON or lacks `payloadType`, `payload` or `signatures`.
    public static var malformedEnvelope: Self { Self("malformedEnvelope") }
    /// The envelope's `payloadType` is not `application/cloudevents+json`.
    public static var unsupportedPayloadType: Self { Self("unsupportedPayloadType") }
    /// The envelope does not carry exactly one signature.
    public static var signatureCount: Self { Self("signatureCount") }
    /// The payload is not a CloudEvents 1.0 JSON object with the attributes Jejak requires.
    public static var malformedEvent: Self { Self("malformedEvent") }
    /// The event's `source` is not a registered unit (nor the registry authority).
    public static var unknownSource: Self { Self("unknownSource") }
    /// The signature's key id is not a key of the source unit that is active at this point
    /// of the log (never added, or revoked).
    public static var keyNotActive: Self { Self("keyNotActive") }
    /// The signature does not verify with the key its key id names.
    public static var badSignature: Self { Self("badSignature") }
    /// The validation hook (schemas, domain rules) refused the event.
    public static var rejectedByValidator: Self { Self("rejectedByValidator") }
    /// An event with this id is already in the log with different bytes.
    public static var eventIDConflict: Self { Self("eventIDConflict") }
    /// The same event id appears twice in one append.
    public static var duplicateInBatch: Self { Self("duplicateInBatch") }
    /// Some, but not all, events of an append are already in the log.
    public static var partialRetry: Self { Self("partialRetry") }
    /// The stream is not at the version the append expected.
    public static var streamVersionMismatch: Self { Self("streamVersionMismatch") }
    /// An append with an expected version holds events of more than one stream.
    public static var mixedStreams: Self { Self("mixedStreams") }
    /// A registry event breaks a registry rule (only the authority changes the registry, a
    /// unit is registered once, keys belong to registered units, …).
    public static var registryRule: Self { Self("registryRule") }
    /// An append of no events.
    public static var emptyAppend: Self { Self("emptyAppend") }

    // Failures of the ledger itself.
    /// The ledger directory is missing, incomplete, or already initialised.
    public static var ledgerDirectory: Self { Self("ledgerDirectory") }
    /// Another process holds the ledger open for writing.
    public static var ledgerBusy: Self { Self("ledgerBusy") }
    /// The ledger was opened read-only, or is closed.
    public static var notWritable: Self { Self("notWritable") }
    /// The requested entry, checkpoint or event does not exist.
    public static var notFound: Self { Self("notFound") }
    /// No checkpoint that holds the entry meets the policy's witness quorum yet (a receipt
    /// asked for against a witnessed checkpoint).
    public static var notWitnessed: Self { Self("notWitnessed") }
    /// A proof was asked for sizes or indexes the log does not have.
    public static var invalidProofRequest: Self { Self("invalidProofRequest") }
    /// The stored data does not decode as Jejak wrote it (damage or tampering).
    public static var corruptStore: Self { Self("corruptStore") }
    /// LMDB failed; the message carries the LMDB error.
    public static var storage: Self { Self("storage") }
    /// A key file or the policy file could not be read or written.
    public static var keyFile: Self { Self("keyFile") }
    
}
