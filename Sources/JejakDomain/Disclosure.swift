import JejakBase
import JejakCrypto
import JejakJSON
import JejakModel
import JejakTlog

/// A recipient's disclosure of sealed content: the entry's exact leaf, the receipt proving it
/// is in the log, the commitment key and the content. Anyone can check it offline against the
/// signed event: the content matches the commitment the publisher signed, and the log holds
/// the entry — so the publisher cannot deny what it sealed, and the discloser cannot change it.
///
/// The document (`.disclosure.json`) is JSON:
///
/// ```json
/// {"type": "jejak.disclosure.v1", "index": 812, "eventId": "…",
///  "leaf": "<the entry's leaf, base64>", "receipt": "<c2sp.org/tlog-proof@v1 text>",
///  "key": "<the commitment key, base64>", "content": {"title": "…", …}}
/// ```
///
/// `Tools/verify-disclosure.py` checks the commitment and the inclusion proof with Python's
/// standard library alone; ``verify(policy:)`` also checks the checkpoint's signatures.
public struct Disclosure: Sendable {
    /// The document's `type`.
    public static let type = "jejak.disclosure.v1"

    /// The entry's log index.
    public var index: UInt64
    /// The entry's exact bytes (`{"appended": …, "envelope": …}`).
    public var leaf: [UInt8]
    /// The receipt: the inclusion of the leaf in a checkpoint of the log.
    public var receipt: Receipt
    /// The commitment key the content was sealed with.
    public var key: [UInt8]
    /// The content members.
    public var content: JSONValue

    /// A disclosure of the entry `entry`'s content `opened`, proven by `receipt`.
    public init(entry: LogEntry, receipt: Receipt, opened: OpenedContent) {
        self.index = entry.index
        self.leaf = entry.leaf
        self.receipt = receipt
        self.key = opened.key
        self.content = opened.content
    }

    /// Parses a disclosure document.
    ///
    /// - Throws: ``SealingError`` with code ``SealingError/Code/malformedSealed`` when it is not
    ///   one (the message names the member).
    public init(parsing bytes: [UInt8]) throws(SealingError) {
        guard case .object(let o)? = try? JSONParser.parse(bytes) else {
            throw SealingError(.malformedSealed, "a disclosure is a JSON object")
        }
        guard case .string(let type)? = o["type"], type == Self.type else {
            throw SealingError(.malformedSealed, "a disclosure has \"type\": \"\(Self.type)\"")
        }
        guard case .number(let n)? = o["index"], let i = n.int64, let index = UInt64(exactly: i) else {
            throw SealingError(.malformedSealed, "the disclosure's \"index\" is not a log index")
        }
        guard case .string(let leafText)? = o["leaf"], let leaf = Base64.decode(leafText) else {
            throw SealingError(.malformedSealed, "the disclosure's \"leaf\" is not base64")
        }
        guard case .string(let eventID)? = o["eventId"] else {
            throw SealingError(.malformedSealed, "the disclosure's \"eventId\" is not a string")
        }
        guard case .string(let receiptText)? = o["receipt"], let receipt = try? Receipt(parsing: receiptText, eventID: eventID) else {
            throw SealingError(.malformedSealed, "the disclosure's \"receipt\" is not a tlog-proof")
        }
        guard case .string(let keyText)? = o["key"], let key = Base64.decode(keyText), key.count == 32 else {
            throw SealingError(.malformedSealed, "the disclosure's \"key\" is not 32 bytes in base64")
        }
        guard let content = o["content"], case .object = content else {
            throw SealingError(.malformedSealed, "the disclosure's \"content\" is not an object")
        }
        self.index = index
        self.leaf = leaf
        self.receipt = receipt
        self.key = key
        self.content = content
    }

    /// The document's bytes (pretty enough to read: one member per line).
    public var serialized: [UInt8] {
        let members: [(String, JSONValue)] = [
            ("type", .string(Self.type)), ("index", .number(JSONNumber(Int64(index)))), ("eventId", .string(receipt.eventID)),
            ("leaf", .string(Base64.encode(leaf))), ("receipt", .string(receipt.serialized)),
            ("key", .string(Base64.encode(key))), ("content", content),
        ]
        var out = Array("{\n".utf8)
        for (i, (name, value)) in members.enumerated() {
            out += Array("  ".utf8)
            JSONWriter.appendString(name, into: &out)
            out += Array(": ".utf8)
            JSONWriter.write(value, into: &out)
            out += Array((i + 1 < members.count ? ",\n" : "\n").utf8)
        }
        out += Array("}\n".utf8)
        return out
    }

    /// What a verified disclosure shows.
    public struct Verified: Sendable {
        /// The signed event whose content was disclosed.
        public var event: CloudEvent
        /// The checkpoint the receipt proves the entry in.
        public var checkpoint: VerifiedCheckpoint
    }

    /// Checks the disclosure: the receipt proves the leaf in a checkpoint that `policy` accepts
    /// (the log's signature and the witnesses' quorum), the leaf's event carries a sealed member,
    /// and the content matches its commitment.
    ///
    /// - Throws: ``SealingError`` with code ``SealingError/Code/commitmentMismatch`` when the
    ///   content is not what was sealed, ``SealingError/Code/malformedSealed`` when the entry
    ///   is not a sealed event or not the receipt's, or the receipt's own error (inclusion,
    ///   policy) as the underlying error of ``SealingError/Code/malformedSealed``.
    public func verify(policy: TlogPolicy) throws(SealingError) -> Verified {
        let envelope: [UInt8], event: SignedEvent
        do {
            envelope = try Leaf.decode(leaf).envelopeJSON
            event = try SignedEvent(json: envelope)
        } catch {
            throw SealingError(.malformedSealed, "the disclosed leaf is not a Jejak entry: \(error.message)", underlying: error)
        }
        guard receipt.index == index, event.event.id.sameBytes(as: receipt.eventID) else {
            throw SealingError(.malformedSealed, "the receipt is for entry \(receipt.index) (\(receipt.eventID)), not the disclosed entry \(index) (\(event.event.id))")
        }
        let checkpoint: VerifiedCheckpoint
        do { checkpoint = try receipt.verify(envelopeJSON: envelope, policy: policy) } catch {
            throw SealingError(.malformedSealed, "the receipt does not prove the disclosed entry in the log: \(error)", underlying: error)
        }
        guard let member = try SealedMember.parse(event.event.data) else {
            throw SealingError(.malformedSealed, "entry \(index) carries no sealed content")
        }
        guard SealedContent.matches(content: content, key: key, commitment: member.commitment) else {
            throw SealingError(.commitmentMismatch, "the disclosed content does not match the commitment entry \(index) signed: it is not what was sealed")
        }
        return Verified(event: event.event, checkpoint: checkpoint)
    }
}
