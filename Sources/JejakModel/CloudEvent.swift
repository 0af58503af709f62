#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakBase
import JejakJSON
import Synchronization

/// A CloudEvents 1.0 event in JSON structured mode, as Jejak requires it, together with the
/// exact bytes it was parsed from (what the publisher signed, and what the log stores).
///
/// Required attributes: `specversion` (`"1.0"`), `id` (unique in the ledger: the idempotency
/// key), `source` (the publishing unit's id), `type`, `subject` (the stream), `time` (RFC 3339),
/// `datacontenttype` (`"application/json"`), `dataschema` and `data`. Extension attributes
/// must have lowercase alphanumeric names and string, number or boolean values (which ones an
/// event type allows is the validation hook's decision: see ``extensionNames``). `data_base64`
/// is refused: Jejak events carry JSON data. No text in an event may hold U+0000 (SQLite's tools
/// and C strings end a text there, hiding the rest of it).
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
    /// The names of the extension attributes (every top-level member that is not a standard
    /// attribute), in the order they appear.
    public let extensionNames: [String]
    /// Where the value of `data` lies in ``bytes``.
    package let dataRange: Range<Int>
    /// The members of `data` when it is an object (`nil` otherwise), with where each value lies
    /// in ``bytes``: a reader that needs a few of them parses those alone. Each value was checked,
    /// strictly, with the rest of the event.
    ///
    /// ```swift
    /// let title = event.dataMembers?.first { $0.name == "title" }.flatMap { member in
    ///     event.bytes.withUnsafeBytes { try? JSONParser.parseString(UnsafeRawBufferPointer(rebasing: $0[member.value])) }
    /// }
    /// ```
    package let dataMembers: [JSONParser.SkimmedMember]?

    /// The parsed event object, built on first use (a reader in this package that needs a few
    /// members of `data` reads them through `dataMembers` and never builds the rest).
    private let parsed: ParsedObject

    /// The parsed event object (attributes and `data`), built from ``bytes`` on first use and
    /// kept.
    public var object: JSONObject { parsed.object(of: bytes) }
    /// `data`: the event's payload (see ``object``).
    public var data: JSONValue { object["data"] ?? .null }

    /// Parses and checks an event.
    ///
    /// The whole document is checked (strict JSON, every attribute); the attributes are read
    /// at once, the tree of `data` when ``object`` or ``data`` is first asked for.
    ///
    /// - Throws: ``LedgerError`` with code ``LedgerError/Code/malformedEvent`` naming the first
    ///   attribute that is missing or wrong.
    public init(bytes: [UInt8]) throws(LedgerError) {
        // One pass over the top level: the attributes' values are parsed (they are short), `data`
        // is checked and located.
        var specversion, id, source, type, subject, time, datacontenttype, dataschema: JSONValue?
        var dataRange: Range<Int>?
        var extensionError: LedgerError?
        var extensionNames: [String] = []
        var dataMembers: [JSONParser.SkimmedMember]?
        let skimmed = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in
                // Standard attributes must be strings: anything else stands as `null` below. Those
                // that recur across events are shared rather than allocated for each.
                func text(_ value: UnsafeRawBufferPointer, interning: Bool = false) throws(JSONError) -> JSONValue {
                    try JSONParser.parseString(value, interning: interning).map { .string($0) } ?? .null
                }
                dataMembers = try JSONParser.skimObject(buffer, expanding: "data") { member throws(JSONError) in
                    let value = UnsafeRawBufferPointer(rebasing: buffer[member.value])
                    switch Attribute(member.name) {
                    case .data: dataRange = member.value
                    case .specversion: specversion = try text(value, interning: true)
                    case .id: id = try text(value)
                    case .source: source = try text(value, interning: true)
                    case .type: type = try text(value, interning: true)
                    case .subject: subject = try text(value, interning: true)  // every event of a stream has it
                    case .time: time = try text(value)
                    case .datacontenttype: datacontenttype = try text(value, interning: true)
                    case .dataschema: dataschema = try text(value, interning: true)
                    case nil:
                        extensionNames.append(member.name)
                        guard extensionError == nil else { return }
                        extensionError = Self.checkExtension(member.name, try JSONParser.parse(value))
                    }
                }
            }
        }
        if case .failure(let error) = skimmed {
            if error.code == .notAnObject { throw LedgerError(.malformedEvent, "the event must be a JSON object") }
            throw LedgerError(.malformedEvent, "the event is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        func string(_ v: JSONValue?, _ name: String, key: Bool = false) throws(LedgerError) -> String {
            guard let v else {
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
        guard try string(specversion, "specversion") == "1.0" else {
            throw LedgerError(.malformedEvent, "\"specversion\" must be \"1.0\"")
        }
        self.id = try string(id, "id", key: true)
        self.source = try string(source, "source", key: true)
        self.type = try string(type, "type")
        self.subject = try string(subject, "subject", key: true)
        self.time = try string(time, "time")
        guard RFC3339.parse(self.time) != nil else {
            throw LedgerError(.malformedEvent, "\"time\" is not an RFC 3339 date-time: \(quoted(self.time))")
        }
        guard try string(datacontenttype, "datacontenttype") == Self.jsonContentType else {
            throw LedgerError(.malformedEvent, "\"datacontenttype\" must be \"\(Self.jsonContentType)\"")
        }
        self.dataschema = try string(dataschema, "dataschema")
        guard let dataRange else {
            throw LedgerError(.malformedEvent, "the required attribute \"data\" is missing")
        }
        if let extensionError { throw extensionError }
        if let offset = Self.escapedNUL(in: bytes) {
            throw LedgerError(.malformedEvent, "the event holds the character U+0000 (\\u0000 at byte \(offset)), which would hide the rest of its text from SQLite and C tools")
        }
        self.extensionNames = extensionNames
        self.bytes = bytes
        self.dataRange = dataRange
        self.dataMembers = dataMembers
        self.parsed = ParsedObject()
    }

    /// The attributes `init(bytes:)` reads, told apart by their UTF-8 bytes: a `switch` over
    /// `String` cases compares each name with every case in turn, Unicode-aware (for these
    /// ASCII names, which no other text is canonically equivalent to, byte equality is the
    /// same test).
    private enum Attribute {
        case data, specversion, id, source, type, subject, time, datacontenttype, dataschema

        init?(_ name: String) {
            var name = name
            let found: Attribute? = name.withUTF8 { utf8 in
                func equal(_ literal: StaticString) -> Bool {
                    literal.utf8CodeUnitCount == utf8.count
                        && UnsafeBufferPointer(start: literal.utf8Start, count: utf8.count).elementsEqual(utf8)
                }
                switch utf8.count {
                case 2: return equal("id") ? .id : nil
                case 4: return equal("data") ? .data : equal("type") ? .type : equal("time") ? .time : nil
                case 6: return equal("source") ? .source : nil
                case 7: return equal("subject") ? .subject : nil
                case 10: return equal("dataschema") ? .dataschema : nil
                case 11: return equal("specversion") ? .specversion : nil
                case 15: return equal("datacontenttype") ? .datacontenttype : nil
                default: return nil
                }
            }
            guard let found else { return nil }
            self = found
        }
    }

    /// The offset of the first `\u0000` escape in `bytes` (a valid JSON document: a raw NUL
    /// byte is not valid JSON, so an escape is the only way to write one), or `nil`.
    static func escapedNUL(in bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress else { return nil }
            var i = 0
            let n = p.count
            while i < n {
                // Jump to the next backslash: most events have none.
                guard let found = memchr(base + i, 0x5C, n - i) else { return nil }
                let at = UnsafeRawPointer(found).assumingMemoryBound(to: UInt8.self) - base
                // An escape is two characters; `\\` consumes the second backslash.
                guard at + 1 < n else { return nil }
                if p[at + 1] == UInt8(ascii: "u"), at + 5 < n,
                   p[at + 2] == 0x30, p[at + 3] == 0x30, p[at + 4] == 0x30, p[at + 5] == 0x30 {
                    return at
                }
                i = at + 2
            }
            return nil
        }
    }

    /// Why the extension attribute `name` with `value` is refused, or `nil` if it is accepted.
    private static func checkExtension(_ name: String, _ value: JSONValue) -> LedgerError? {
        if name == "data_base64" {
            return LedgerError(.malformedEvent, "\"data_base64\" is not accepted: Jejak events carry JSON \"data\"")
        }
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) }) else {
            return LedgerError(.malformedEvent, "the attribute name \(quoted(name)) is not lowercase letters and digits")
        }
        switch value {
        case .string, .number, .bool: return nil
        default: return LedgerError(.malformedEvent, "the extension attribute \"\(name)\" must be a string, number or boolean")
        }
    }

    /// Events are equal when their bytes are (every other property is read from them).
    public static func == (lhs: CloudEvent, rhs: CloudEvent) -> Bool { lhs.bytes == rhs.bytes }

    /// Hashes the bytes.
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

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
package func quoted(_ value: String) -> String {
    value.count > 100 ? String(reflecting: String(value.prefix(100))) + "…" : String(reflecting: value)
}

/// The event object parsed from an event's bytes on first use, shared by the copies of the
/// event.
private final class ParsedObject: Sendable {
    private let cache = Mutex<JSONObject?>(nil)

    /// The object in `bytes` (the event's, checked when the event was read), parsed once.
    func object(of bytes: [UInt8]) -> JSONObject {
        if let object = cache.withLock({ $0 }) { return object }
        // The bytes passed the strict checks of `CloudEvent.init(bytes:)`, which accept exactly
        // what the parser accepts, and were an object there.
        let object = (try? JSONParser.parse(bytes))?.objectValue ?? JSONObject()
        cache.withLock { $0 = object }
        return object
    }
}
