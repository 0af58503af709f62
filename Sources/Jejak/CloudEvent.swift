import JejakJSON

/// A CloudEvents 1.0 event in JSON structured mode, as Jejak requires it, together with the
/// exact bytes it was parsed from (what the publisher signed, and what the log stores).
///
/// Required attributes: `specversion` (`"1.0"`), `id` (unique in the ledger: the idempotency
/// key), `source` (the publishing unit's id), `type`, `subject` (the stream), `time` (RFC 3339),
/// `datacontenttype` (`"application/json"`), `dataschema` and `data`. Extension attributes
/// must have lowercase alphanumeric names and string, number or boolean values. `data_base64`
/// is refused: Jejak events carry JSON data.
///
/// ```swift
/// let event = CloudEvent.make(id: "req-2026-000123", source: "biro-perencanaan",
///                             type: "id.go.kpu.jejak.exchange.requested.v1",
///                             subject: "exchange/2026-000123",
///                             dataschema: "https://jejak.kpu.go.id/schemas/exchange/requested.v1.json",
///                             data: ["title": "Rekap anggaran 2026"])
/// ```
public struct CloudEvent: Hashable, Sendable {
    /// The DSSE payload type of a signed CloudEvent.
    public static let payloadType = "application/cloudevents+json"
    /// The only data content type Jejak accepts.
    public static let jsonContentType = "application/json"
    /// The longest `id` and `subject`, in UTF-8 bytes (they are LMDB keys).
    public static let maxKeyLength = 256

    /// The exact bytes of the event.
    public let bytes: [UInt8]
    /// The parsed event object (attributes and `data`).
    public let object: JSONObject

    /// `id`: unique in the ledger, chosen by the publisher.
    public let id: String
    /// `source`: the publishing unit's id.
    public let source: String
    /// `type`: the event type, e.g. `id.go.kpu.jejak.exchange.requested.v1`.
    public let type: String
    /// `subject`: the stream the event belongs to, e.g. `exchange/2026-000123`.
    public let subject: String
    /// `time`: when the publisher says the event happened (RFC 3339).
    public let time: String
    /// `dataschema`: the id of the JSON Schema of `data`.
    public let dataschema: String
    /// `data`: the event's payload.
    public var data: JSONValue { object["data"] ?? .null }

    /// Parses and checks an event.
    ///
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/malformedEvent`` naming the first
    ///   attribute that is missing or wrong.
    public init(bytes: [UInt8]) throws(LedgerError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw LedgerError(.malformedEvent, "the event is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let object) = value else {
            throw LedgerError(.malformedEvent, "the event must be a JSON object")
        }
        func string(_ name: String, key: Bool = false) throws(LedgerError) -> String {
            guard let v = object[name] else {
                throw LedgerError(.malformedEvent, "the required attribute \"\(name)\" is missing")
            }
            guard case .string(let s) = v, !s.isEmpty else {
                throw LedgerError(.malformedEvent, "the attribute \"\(name)\" must be a non-empty string")
            }
            // C0 controls and DEL are single bytes in UTF-8 (no multi-byte sequence holds one).
            var utf8 = s
            if utf8.withUTF8({ $0.contains(where: { $0 < 0x20 || $0 == 0x7f }) }) {
                throw LedgerError(.malformedEvent, "the attribute \"\(name)\" contains a control character")
            }
            if key && s.utf8.count > Self.maxKeyLength {
                throw LedgerError(.malformedEvent, "the attribute \"\(name)\" is longer than \(Self.maxKeyLength) bytes")
            }
            return s
        }
        guard try string("specversion") == "1.0" else {
            throw LedgerError(.malformedEvent, "\"specversion\" must be \"1.0\"")
        }
        id = try string("id", key: true)
        source = try string("source", key: true)
        type = try string("type")
        subject = try string("subject", key: true)
        time = try string("time")
        guard RFC3339.parse(time) != nil else {
            throw LedgerError(.malformedEvent, "\"time\" is not an RFC 3339 date-time: \(quoted(time))")
        }
        guard try string("datacontenttype") == Self.jsonContentType else {
            throw LedgerError(.malformedEvent, "\"datacontenttype\" must be \"\(Self.jsonContentType)\"")
        }
        dataschema = try string("dataschema")
        guard object.contains(key: "data") else {
            throw LedgerError(.malformedEvent, "the required attribute \"data\" is missing")
        }
        for (name, v) in object {
            switch name {
            case "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data":
                continue
            case "data_base64":
                throw LedgerError(.malformedEvent, "\"data_base64\" is not accepted: Jejak events carry JSON \"data\"")
            default:
                guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) }) else {
                    throw LedgerError(.malformedEvent, "the attribute name \(quoted(name)) is not lowercase letters and digits")
                }
                switch v {
                case .string, .number, .bool: continue
                default:
                    throw LedgerError(.malformedEvent, "the extension attribute \"\(name)\" must be a string, number or boolean")
                }
            }
        }
        self.bytes = bytes
        self.object = object
    }

    /// Builds an event and serialises it compactly with the attributes in a fixed order
    /// (`specversion`, `id`, `source`, `type`, `subject`, `time`, `datacontenttype`,
    /// `dataschema`, extensions, `data`).
    ///
    /// - Throws: ``LedgerError/Code/malformedEvent`` when an attribute is not acceptable (an empty
    ///   id, a control character, a bad extension name).
    public static func make(
        id: String, source: String, type: String, subject: String,
        time: LedgerTime = .now(), dataschema: String, data: JSONValue,
        extensions: [(String, JSONValue)] = []
    ) throws(LedgerError) -> CloudEvent {
        var members: [(key: String, value: JSONValue)] = [
            ("specversion", "1.0"), ("id", .string(id)), ("source", .string(source)), ("type", .string(type)),
            ("subject", .string(subject)), ("time", .string(time.rfc3339)),
            ("datacontenttype", .string(jsonContentType)), ("dataschema", .string(dataschema)),
        ]
        members += extensions.map { (key: $0.0, value: $0.1) }
        members.append(("data", data))
        guard let object = JSONObject(members: members) else {
            throw LedgerError(.malformedEvent, "an extension attribute repeats a standard attribute name")
        }
        return try CloudEvent(bytes: JSONWriter.bytes(.object(object)))
    }
}

/// A value from an event or envelope quoted for an error message, cut to 100 characters, so that
/// a message stays one short line however long the refused input.
func quoted(_ value: String) -> String {
    value.count > 100 ? String(reflecting: String(value.prefix(100))) + "…" : String(reflecting: value)
}
