import JejakBase
import JejakCrypto
import JejakTlog

/// The bytes of one log entry: compact UTF-8 JSON
/// `{"appended":"<RFC 3339 UTC ms Z>","envelope":<DSSE envelope>}`, at most 65,535 bytes.
///
/// The leaf is what the Merkle tree hashes (`SHA-256(0x00 || leaf)`), what the log stores and what
/// exports carry, byte for byte.
public enum Leaf {
    /// The largest leaf: 65,535 bytes (the C2SP tlog-tiles entry limit).
    public static let maxBytes = 65_535

    static let prefix = Array(#"{"appended":""#.utf8)
    static let middle = Array(#"","envelope":"#.utf8)
    static let suffix = Array("}".utf8)

    /// The number of bytes a leaf adds around its envelope.
    public static let overhead = prefix.count + LedgerTime.encodedLength + middle.count + suffix.count

    /// The leaf for an envelope (compact JSON, as ``SignedEvent/jsonBytes``) appended at `time`.
    public static func encode(appended time: LedgerTime, envelopeJSON: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(overhead + envelopeJSON.count)
        out += prefix
        out += Array(time.rfc3339.utf8)
        out += middle
        out += envelopeJSON
        out += suffix
        return out
    }

    /// Splits a leaf into its `appended` time and its envelope bytes.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` when the bytes are not a leaf Jejak writes.
    public static func decode(_ leaf: some Collection<UInt8>) throws(LedgerError) -> (appended: LedgerTime, envelopeJSON: [UInt8]) {
        let bytes = Array(leaf)
        let (time, envelope) = try split(bytes)
        return (time, Array(bytes[envelope]))
    }

    /// The `appended` time of a leaf and where its envelope's bytes are (no copy).
    package static func split(_ bytes: [UInt8]) throws(LedgerError) -> (appended: LedgerTime, envelope: Range<Int>) {
        let timeStart = prefix.count, timeEnd = prefix.count + LedgerTime.encodedLength
        guard bytes.count > overhead, bytes.count <= maxBytes,
              bytes[..<timeStart].elementsEqual(prefix),
              bytes[timeEnd..<(timeEnd + middle.count)].elementsEqual(middle),
              bytes.last == suffix[0],
              let time = bytes.withUnsafeBufferPointer({ LedgerTime(rfc3339: UnsafeBufferPointer(rebasing: $0[timeStart..<timeEnd])) })
        else {
            throw LedgerError(.corruptStore, "a stored entry is not a Jejak leaf")
        }
        return (time, (timeEnd + middle.count)..<(bytes.count - 1))
    }
}

/// One entry of the log, as read back.
public struct LogEntry: Hashable, Sendable {
    /// The entry's 0-based index in the log.
    public let index: UInt64
    /// The exact leaf bytes.
    public let leaf: [UInt8]
    /// When the ledger sequenced the entry.
    public let appended: LedgerTime
    /// The signed event in the leaf.
    public let signedEvent: SignedEvent

    /// The event.
    public var event: CloudEvent { signedEvent.event }

    /// The RFC 9162 leaf hash of ``leaf``.
    public var leafHash: SHA256Digest { Merkle.leafHash(leaf) }

    package init(index: UInt64, leaf: [UInt8], appended: LedgerTime, signedEvent: SignedEvent) {
        self.index = index
        self.leaf = leaf
        self.appended = appended
        self.signedEvent = signedEvent
    }

    /// Decodes a stored leaf.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` when it does not decode.
    public init(index: UInt64, leaf: [UInt8]) throws(LedgerError) {
        let (appended, envelope) = try Leaf.split(leaf)
        self.index = index
        self.leaf = leaf
        self.appended = appended
        do {
            self.signedEvent = try SignedEvent(json: leaf[envelope])
        } catch {
            throw LedgerError(.corruptStore, "entry \(index) holds an envelope that does not decode: \(error.message)")
        }
    }
}

extension Leaf {
    /// The `appended` time of a leaf, read from its fixed position without decoding the rest.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` when the bytes do not start as a Jejak leaf.
    package static func appendedTime(_ leaf: UnsafeRawBufferPointer) throws(LedgerError) -> LedgerTime {
        let start = prefix.count, end = prefix.count + LedgerTime.encodedLength
        guard leaf.count > overhead, leaf[..<start].elementsEqual(prefix),
              let time = LedgerTime(rfc3339: String(decoding: leaf[start..<end], as: UTF8.self))
        else {
            throw LedgerError(.corruptStore, "a stored entry is not a Jejak leaf")
        }
        return time
    }
}
