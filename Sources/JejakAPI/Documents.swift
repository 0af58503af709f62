import JejakBase
import JejakCrypto
import JejakJSON
import JejakModel
import JejakTlog

/// The media types of the HTTP API.
public enum MediaType {
    /// A DSSE envelope (the body of a publish).
    public static let dsseEnvelope = "application/vnd.dsse.envelope.v1+json"
    /// JSON.
    public static let json = "application/json"
    /// A tlog-proof receipt, a checkpoint, a policy: UTF-8 text.
    public static let text = "text/plain; charset=utf-8"
    /// A tile or an entry bundle.
    public static let octetStream = "application/octet-stream"
    /// Server-Sent Events.
    public static let eventStream = "text/event-stream"
}

/// What a publish answers for each event, in JSON (`Accept: application/json`): where the
/// event is in the log and in its stream, and its receipt (the tlog-proof text).
///
/// ```json
/// {"index":12,"version":3,"eventID":"…","created":true,"receipt":"c2sp.org/tlog-proof@v1\n…"}
/// ```
public struct PublishedEntry: Hashable, Sendable {
    /// The entry's index in the log.
    public var index: UInt64
    /// The event's version in its stream (1-based).
    public var version: UInt64
    /// The event's id.
    public var eventID: String
    /// `true` when this request appended the event; `false` when the same signed bytes were
    /// already in the log (a retry), whose original receipt this is.
    public var created: Bool
    /// The receipt.
    public var receipt: Receipt

    /// A published entry.
    public init(index: UInt64, version: UInt64, eventID: String, created: Bool, receipt: Receipt) {
        self.index = index
        self.version = version
        self.eventID = eventID
        self.created = created
        self.receipt = receipt
    }

    /// The JSON object.
    public var json: JSONValue {
        var o = JSONObject()
        o["index"] = .number(JSONNumber(unsigned: index))
        o["version"] = .number(JSONNumber(unsigned: version))
        o["eventID"] = .string(eventID)
        o["created"] = .bool(created)
        o["receipt"] = .string(receipt.serialized)
        return .object(o)
    }

    /// Parses the JSON object.
    ///
    /// - Throws: ``APIError/Code/malformedResponse`` when a member is missing or of the wrong
    ///   type, or the receipt is not a tlog-proof.
    public init(json value: JSONValue) throws(APIError) {
        guard let o = value.objectValue,
              let index = o["index"]?.numberValue.flatMap({ UInt64($0.text) }),
              let version = o["version"]?.numberValue.flatMap({ UInt64($0.text) }),
              let eventID = o["eventID"]?.stringValue, let created = o["created"]?.boolValue,
              let text = o["receipt"]?.stringValue
        else {
            throw APIError(.malformedResponse, "a published entry needs index, version, eventID, created and receipt")
        }
        let proof: TlogProof
        do { proof = try Receipt(parsing: text, eventID: eventID).proof } catch {
            throw APIError(.malformedResponse, "the published entry's receipt is not a tlog-proof: \(error.message)", underlying: error)
        }
        self.init(index: index, version: version, eventID: eventID, created: created, receipt: Receipt(eventID: eventID, proof: proof))
    }
}

/// An entry of the log as `/v1/entries/{index}` and the stream and subscribe routes give it:
/// its index, its leaf bytes verbatim (base64, the bytes the Merkle tree hashes), and for
/// people, the `appended` time, its stream version when known, and the signed envelope.
///
/// A client rebuilds the ``LogEntry`` from the leaf (``logEntry``), so what it checks is what
/// the tree commits to, not a re-serialisation.
public enum EntryDocument {
    /// The JSON bytes of `entry`, with its stream `version` when given.
    public static func jsonBytes(_ entry: LogEntry, version: UInt64? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entry.leaf.count * 2 + 128)
        out += Array("{\"index\":\(entry.index),".utf8)
        if let version { out += Array("\"version\":\(version),".utf8) }
        out += Array("\"appended\":\"\(entry.appended.rfc3339)\",\"subject\":".utf8)
        JSONWriter.appendString(entry.event.subject, into: &out)
        out += Array(",\"leaf\":\"".utf8)
        out += Array(Base64.encode(entry.leaf).utf8)
        out += Array("\",\"envelope\":".utf8)
        out += entry.signedEvent.jsonBytes
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The entry a document holds, rebuilt from its leaf bytes, and its version if it gives one.
    ///
    /// - Throws: ``APIError/Code/malformedResponse`` when the document has no index or leaf,
    ///   or the leaf is not a Jejak leaf.
    public static func logEntry(_ value: JSONValue) throws(APIError) -> (entry: LogEntry, version: UInt64?) {
        guard let o = value.objectValue,
              let index = o["index"]?.numberValue.flatMap({ UInt64($0.text) }),
              let leafText = o["leaf"]?.stringValue, let leaf = Base64.decode(leafText)
        else {
            throw APIError(.malformedResponse, "an entry document needs an index and the leaf in base64")
        }
        do {
            return (try LogEntry(index: index, leaf: leaf), o["version"]?.numberValue.flatMap { UInt64($0.text) })
        } catch {
            throw APIError(.malformedResponse, "entry \(index)'s leaf is not a Jejak leaf: \(error.message)", underlying: error)
        }
    }
}
