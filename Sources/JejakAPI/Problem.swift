import JejakBase
import JejakJSON
import JejakModel

/// A refusal over HTTP: an RFC 9457 problem document (`application/problem+json`) that carries
/// the ledger's error as it is — its code, the rule, field and keyword a validator named, the
/// stream's actual version, the event it is about — so that a client gets back the same
/// ``LedgerError`` an embedded caller would.
///
/// The `type` is `https://jejak.kpu.go.id/problems/<code>`, one URI per error code; `title` is
/// the code's name; `detail` is the error's sentence.
///
/// ```swift
/// let problem = Problem(LedgerError(.streamVersionMismatch, "…", actualVersion: 3))
/// problem.status            // 409
/// let bytes = problem.jsonBytes
/// let back = try Problem(json: bytes).ledgerError   // code, message, actualVersion kept
/// ```
public struct Problem: Hashable, Sendable, Error, CustomStringConvertible {
    /// The prefix of every problem type URI.
    public static let typePrefix = "https://jejak.kpu.go.id/problems/"
    /// The media type of a problem document.
    public static let mediaType = "application/problem+json"

    /// The HTTP status.
    public var status: Int
    /// The error code's name (`streamVersionMismatch`, `badSignature`, …).
    public var code: String
    /// One sentence for a person.
    public var detail: String
    /// The rule a validator named, for ``LedgerError/Code/rejectedByValidator``.
    public var rule: String?
    /// The field (a JSON Pointer) the rule is about.
    public var field: String?
    /// The JSON Schema keyword that failed.
    public var keyword: String?
    /// The stream's version, for a version conflict.
    public var actualVersion: UInt64?
    /// The id of the event the refusal is about.
    public var eventID: String?
    /// The position of that event in a batch (0-based).
    public var position: Int?
    /// The seconds to wait before retrying (also sent as `Retry-After`), for a 503.
    public var retryAfter: Int?

    /// A problem with a status, a code and a sentence.
    public init(status: Int, code: String, detail: String) {
        self.status = status
        self.code = code
        self.detail = detail
    }

    /// The problem document of a ledger error: its status from ``HTTPStatus/of(_:)``, and every
    /// field of the error.
    public init(_ error: LedgerError) {
        self.init(status: HTTPStatus.of(error.code), code: error.code.name, detail: error.message)
        rule = error.rule
        field = error.field
        keyword = error.keyword
        actualVersion = error.actualVersion
        eventID = error.eventID
        position = error.position
        if error.code == .writerQueueFull { retryAfter = 1 }
    }

    /// The problem's `type` URI.
    public var type: String { Self.typePrefix + code }

    /// The document, compact JSON.
    public var jsonBytes: [UInt8] {
        var o = JSONObject()
        o["type"] = .string(type)
        o["title"] = .string(code)
        o["status"] = .number(JSONNumber(status))
        o["detail"] = .string(detail)
        o["code"] = .string(code)
        if let rule { o["rule"] = .string(rule) }
        if let field { o["field"] = .string(field) }
        if let keyword { o["keyword"] = .string(keyword) }
        if let actualVersion { o["actualVersion"] = .number(JSONNumber(unsigned: actualVersion)) }
        if let eventID { o["eventID"] = .string(eventID) }
        if let position { o["position"] = .number(JSONNumber(position)) }
        if let retryAfter { o["retryAfter"] = .number(JSONNumber(retryAfter)) }
        return JSONWriter.bytes(.object(o))
    }

    /// Parses a problem document (as a client receives it).
    ///
    /// - Throws: ``APIError`` with ``APIError/Code/malformedResponse`` when the bytes are not
    ///   a JSON object with a numeric `status` and a string `code` or `title`.
    public init(json bytes: some Collection<UInt8>) throws(APIError) {
        guard let object = try? JSONParser.parse(bytes).objectValue,
              let status = object["status"]?.int64Value, status >= 100, status <= 599,
              let code = object["code"]?.stringValue ?? object["title"]?.stringValue
        else {
            throw APIError(.malformedResponse, "the server's problem document is not a JSON object with a status and a code")
        }
        self.init(status: Int(status), code: code, detail: object["detail"]?.stringValue ?? "")
        rule = object["rule"]?.stringValue
        field = object["field"]?.stringValue
        keyword = object["keyword"]?.stringValue
        actualVersion = object["actualVersion"]?.numberValue.flatMap { UInt64($0.text) }
        eventID = object["eventID"]?.stringValue
        position = object["position"]?.int64Value.flatMap { Int(exactly: $0) }
        retryAfter = object["retryAfter"]?.int64Value.flatMap { Int(exactly: $0) }
    }

    /// The ledger error this problem carries: the same code, sentence and fields.
    public var ledgerError: LedgerError {
        var e = LedgerError(LedgerError.Code(code), detail, eventID: eventID, position: position, actualVersion: actualVersion)
        e.rule = rule
        e.field = field
        e.keyword = keyword
        return e
    }

    /// `<status> <code>: <detail>`.
    public var description: String { "\(status) \(code): \(detail)" }
}

extension JSONNumber {
    /// An unsigned integer's number (every `UInt64` is a valid JSON integer literal).
    init(unsigned value: UInt64) {
        self = JSONNumber(text: String(value)) ?? JSONNumber(0)
    }
}
