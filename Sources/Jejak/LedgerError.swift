/// Why the ledger refused or could not do something.
///
/// Every refusal of an append names the rule that was broken in ``code`` and says, in one
/// sentence, what was wrong in ``message``; a refused append leaves the ledger unchanged. The
/// context fields say which event (``eventID``, ``position`` in the appended batch) and, for a
/// stream version mismatch, the ``actualVersion``.
///
/// ```swift
/// do { _ = try await ledger.append(event, expecting: .version(3)) }
/// catch let e as LedgerError where e.code == .streamVersionMismatch {
///     print("the stream is at version \(e.actualVersion ?? 0)")
/// }
/// ```
public struct LedgerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule broken, or the operation that failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `leafTooLarge`.
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        // Refusals of an append (nothing is written).
        /// The leaf (the `appended` time and the envelope) would exceed 65,535 bytes.
        public static let leafTooLarge = Code("leafTooLarge")
        /// The DSSE envelope is not valid JSON or lacks `payloadType`, `payload` or `signatures`.
        public static let malformedEnvelope = Code("malformedEnvelope")
        /// The envelope's `payloadType` is not `application/cloudevents+json`.
        public static let unsupportedPayloadType = Code("unsupportedPayloadType")
        /// The envelope does not carry exactly one signature.
        public static let signatureCount = Code("signatureCount")
        /// The payload is not a CloudEvents 1.0 JSON object with the attributes Jejak requires.
        public static let malformedEvent = Code("malformedEvent")
        /// The event's `source` is not a registered unit (nor the registry authority).
        public static let unknownSource = Code("unknownSource")
        /// The signature's key id is not a key of the source unit that is active at this point
        /// of the log (never added, or revoked).
        public static let keyNotActive = Code("keyNotActive")
        /// The signature does not verify with the key its key id names.
        public static let badSignature = Code("badSignature")
        /// The validation hook (schemas, domain rules) refused the event.
        public static let rejectedByValidator = Code("rejectedByValidator")
        /// An event with this id is already in the log with different bytes.
        public static let eventIDConflict = Code("eventIDConflict")
        /// The same event id appears twice in one append.
        public static let duplicateInBatch = Code("duplicateInBatch")
        /// Some, but not all, events of an append are already in the log.
        public static let partialRetry = Code("partialRetry")
        /// The stream is not at the version the append expected.
        public static let streamVersionMismatch = Code("streamVersionMismatch")
        /// An append with an expected version holds events of more than one stream.
        public static let mixedStreams = Code("mixedStreams")
        /// A registry event breaks a registry rule (only the authority changes the registry, a
        /// unit is registered once, keys belong to registered units, …).
        public static let registryRule = Code("registryRule")
        /// An append of no events.
        public static let emptyAppend = Code("emptyAppend")

        // Failures of the ledger itself.
        /// The ledger directory is missing, incomplete, or already initialised.
        public static let ledgerDirectory = Code("ledgerDirectory")
        /// Another process holds the ledger open for writing.
        public static let ledgerBusy = Code("ledgerBusy")
        /// The ledger was opened read-only, or is closed.
        public static let notWritable = Code("notWritable")
        /// The requested entry, checkpoint or event does not exist.
        public static let notFound = Code("notFound")
        /// A proof was asked for sizes or indexes the log does not have.
        public static let invalidProofRequest = Code("invalidProofRequest")
        /// The stored data does not decode as Jejak wrote it (damage or tampering).
        public static let corruptStore = Code("corruptStore")
        /// LMDB failed; the message carries the LMDB error.
        public static let storage = Code("storage")
        /// A key file or the policy file could not be read or written.
        public static let keyFile = Code("keyFile")
    }

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

    /// Creates an error.
    public init(_ code: Code, _ message: String, eventID: String? = nil, position: Int? = nil, actualVersion: UInt64? = nil) {
        self.code = code
        self.message = message
        self.eventID = eventID
        self.position = position
        self.actualVersion = actualVersion
    }

    /// The error for an event the validation hook refused.
    public init(rejectedBy failure: ValidationFailure) {
        self.init(.rejectedByValidator, "\(failure.rule): \(failure.message)")
        rule = failure.rule
        field = failure.field
        keyword = failure.keyword
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let position { s += " (event #\(position)" + (eventID.map { ", id \($0)" } ?? "") + ")" }
        return s
    }

    func at(_ position: Int, id: String?) -> LedgerError {
        var e = self
        e.position = e.position ?? position
        e.eventID = e.eventID ?? id
        return e
    }
}
