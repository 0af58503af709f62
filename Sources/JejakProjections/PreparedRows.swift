// The catch-up's fast path, in one file: the values of a batch's rows extracted from the
// events' bytes before the transaction (PreparedExchanges), kept in one buffer (TextArena) and
// bound to SQLite in place (RowWriter). Every pointer and byte range of the read models is here;
// the projections themselves work with plain values.

import GRDB
import GRDBSQLite
import Jejak
import JejakBase
import JejakDomain
import JejakJSON

/// Binds and runs a prepared insert through the SQLite C API, for the rows a catch-up writes by
/// the hundred thousand (GRDB's `StatementArguments` box every value).
///
/// The statement comes from GRDB (`Database.cachedStatement`) and runs inside GRDB's transaction.
struct RowWriter {
    private let raw: SQLiteStatement
    private let connection: SQLiteConnection?
    private var next: Int32 = 1
    /// The first failed `sqlite3_bind_*` call's result code, reported by ``run()``.
    private var bindFailure: Int32 = SQLITE_OK

    /// A writer for `statement`, of the connection of `db`.
    init(_ statement: Statement, in db: Database) {
        raw = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(raw)
    }

    /// The texts of the row being bound, copied here one after the other and handed to SQLite
    /// in place (`SQLITE_STATIC`) when the row runs: one copy into a reused buffer instead of an
    /// allocation and a copy by SQLite for each text (`SQLITE_TRANSIENT`).
    private var texts: [UInt8] = []
    /// The parameters bound to `texts`: parameter number, offset, length.
    private var pending: [(parameter: Int32, offset: Int, length: Int)] = []

    /// Binds the next parameter to a text or `NULL`.
    mutating func add(_ value: String?) {
        guard let value else { return addNull() }
        addText { $0.append(contentsOf: value.utf8) }
    }

    /// Binds the next parameter to a time, as RFC 3339 text (``LedgerTime/rfc3339``).
    mutating func add(_ time: LedgerTime) {
        addText { texts in time.withRFC3339 { texts.append(contentsOf: $0) } }
    }

    /// Binds the next parameter to the text that `write` appends to ``texts``.
    private mutating func addText(_ write: (inout [UInt8]) -> Void) {
        let offset = texts.count
        write(&texts)
        pending.append((next, offset, texts.count - offset))
        next += 1
    }

    private mutating func addNull() {
        check(sqlite3_bind_null(raw, next))
        next += 1
    }

    /// Binds the next parameter to an integer.
    mutating func add(_ value: Int64) {
        check(sqlite3_bind_int64(raw, next, value))
        next += 1
    }

    /// Remembers the first bind that failed (a parameter number beyond the statement's, a text
    /// too long): the row is then not run.
    private mutating func check(_ code: Int32) {
        if code != SQLITE_OK && bindFailure == SQLITE_OK { bindFailure = code }
    }

    /// Binds the next parameter to 0 or 1.
    mutating func add(_ value: Bool) {
        add(value ? 1 : 0 as Int64)
    }

    /// Runs the statement with the parameters bound, then resets it for the next row.
    mutating func run() throws {
        let raw = self.raw, pending = self.pending, failedBefore = bindFailure
        let code = texts.withUnsafeBufferPointer { texts -> Int32 in
            guard failedBefore == SQLITE_OK else { return failedBefore }
            for text in pending {
                let bound = Self.bindInPlace(raw, text.parameter, texts.baseAddress.map { $0 + text.offset }, length: text.length)
                guard bound == SQLITE_OK else { return bound }
            }
            return sqlite3_step(raw)
        }
        sqlite3_reset(raw)
        // No parameter may point into the buffers once this returns.
        sqlite3_clear_bindings(raw)
        texts.removeAll(keepingCapacity: true)
        self.pending.removeAll(keepingCapacity: true)
        next = 1
        bindFailure = SQLITE_OK
        guard code == SQLITE_DONE else {
            let message = failedBefore != SQLITE_OK
                ? "a parameter of the row could not be bound: \(String(cString: sqlite3_errstr(failedBefore)))"
                : connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(code)"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }
}

extension RowWriter {
    /// Binds the next parameter to `text` of the arena whose bytes are `texts`, or to `NULL`.
    /// SQLite reads the bytes where they are (`SQLITE_STATIC`): `texts` must stay valid and
    /// unchanged until ``run()`` has returned.
    mutating func add(_ text: TextArena.Text, in texts: UnsafeBufferPointer<UInt8>) {
        defer { next += 1 }
        if text.length == TextArena.Text.null.length {
            check(sqlite3_bind_null(raw, next))
            return
        }
        // A text outside the arena is a bug here, never a value: the row is refused, not bound
        // to NULL in its place.
        guard text.length >= 0, text.offset >= 0, text.offset <= texts.count - text.length else {
            check(SQLITE_RANGE)
            return
        }
        check(Self.bindInPlace(raw, next, texts.baseAddress.map { $0 + text.offset }, length: text.length))
    }

    /// Binds `parameter` of `statement` to the `length` bytes at `bytes` (an empty text when
    /// `bytes` is `nil`) without a copy (`SQLITE_STATIC`: a `nil` destructor): they must stay
    /// valid and unchanged until the statement has run.
    /// Returns SQLite's result code (`SQLITE_TOOBIG` for a text longer than `Int32.max`).
    private static func bindInPlace(_ statement: SQLiteStatement, _ parameter: Int32, _ bytes: UnsafePointer<UInt8>?,
                                    length: Int) -> Int32 {
        guard let bytes else {
            return sqlite3_bind_text(statement, parameter, "", 0, nil)
        }
        guard let length32 = Int32(exactly: length) else { return SQLITE_TOOBIG }
        return UnsafeRawPointer(bytes).withMemoryRebound(to: CChar.self, capacity: length) {
            sqlite3_bind_text(statement, parameter, $0, length32, nil)
        }
    }
}

/// The texts of a batch's rows in one buffer, so that a whole batch is bound to SQLite from one
/// pointer, without a copy or a reference count per value.
struct TextArena: Sendable {
    /// A text of the arena, or `NULL`.
    struct Text: Sendable {
        /// Where the text's UTF-8 bytes start.
        var offset: Int
        /// How many bytes it has; -1 for `NULL`.
        var length: Int

        /// `NULL`.
        static let null = Text(offset: 0, length: -1)
    }

    private var bytes: [UInt8] = []

    /// Adds `text` (or `NULL`).
    mutating func append(_ text: String?) -> Text {
        guard let text else { return .null }
        let offset = bytes.count
        bytes.append(contentsOf: text.utf8)
        return Text(offset: offset, length: bytes.count - offset)
    }

    /// Adds `time` as RFC 3339 text (``LedgerTime/rfc3339``).
    mutating func append(_ time: LedgerTime) -> Text {
        let offset = bytes.count
        time.withRFC3339 { bytes.append(contentsOf: $0) }
        return Text(offset: offset, length: bytes.count - offset)
    }

    /// Adds the text whose UTF-8 bytes are `utf8`.
    mutating func append(utf8: UnsafeRawBufferPointer) -> Text {
        let offset = bytes.count
        bytes.append(contentsOf: utf8)
        return Text(offset: offset, length: utf8.count)
    }

    /// The text `text`, or `nil` for `NULL`.
    func string(_ text: Text) -> String? {
        guard text.length >= 0, text.offset + text.length <= bytes.count else { return nil }
        return String(decoding: bytes[text.offset..<(text.offset + text.length)], as: UTF8.self)
    }

    /// Calls `body` with the arena's bytes.
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer(body)
    }
}

/// What ``ExchangesProjection/prepare(batch:)`` makes of a batch: its exchange events, in log
/// order, the texts of their timeline rows, and the exchanges opened in the batch, folded
/// through it. Opaque outside this module: the runner hands it back as it was.
public struct PreparedExchanges: Sendable {
    /// The log indexes the batch held.
    let indexes: ClosedRange<UInt64>?
    let events: [PreparedExchangeEvent]
    /// The timeline rows' texts, one after the other.
    let texts: TextArena
    /// The rows of the exchanges opened (requested or distributed) in the batch, after all of
    /// the batch's events.
    let opened: [ExchangeRow]

    init(_ entries: ArraySlice<LogEntry>, timeZone: ReadModelTimeZone, reader: SealedContentReader? = nil) {
        indexes = entries.first.flatMap { first in entries.last.map { first.index...$0.index } }
        // Sealed content this read model's reader may open, opened on every core before the
        // rows are built (one X25519 scalar multiplication each).
        let opened = reader.map { $0.openAll(in: entries) } ?? [:]
        var texts = TextArena()
        var events: [PreparedExchangeEvent] = []
        events.reserveCapacity(entries.count)
        var openedRows: [ExchangeRow] = []
        var slots: [ExactText: Int] = [:]
        // Through a buffer, and by parts: subscripting the slice, or passing the entry whole,
        // copies each entry (a retain and a release for every reference it holds).
        entries.withUnsafeBufferPointer { entries in
            for position in entries.indices {
                guard let (prepared, opening) = PreparedExchangeEvent.prepare(
                    index: entries[position].index, appended: entries[position].appended,
                    event: entries[position].signedEvent.event, opened: opened[entries[position].index], texts: &texts)
                else { continue }
                var event = prepared
                if let opening {
                    // A second opening of the same exchange (the ledger's rules refuse it)
                    // starts the row again, as it would in the transaction.
                    if let slot = slots[ExactText(event.subject)] {
                        openedRows[slot] = opening
                    } else {
                        openedRows.append(opening)
                        slots[ExactText(event.subject)] = openedRows.count - 1
                    }
                    event.seq = 1
                } else if let slot = slots[ExactText(event.subject)] {
                    openedRows[slot].fold(event.type, time: event.time, index: Int64(event.index), at: event.at,
                                      timeZone: timeZone)
                    event.seq = openedRows[slot].events
                }
                events.append(event)
            }
        }
        self.events = events
        self.texts = texts
        self.opened = openedRows
    }
}

/// The values an exchange event gives its rows, extracted before the transaction.
struct PreparedExchangeEvent: Sendable {
    let index: UInt64
    let type: DomainEventType
    let subject: String
    /// The event's own `time`.
    let time: String
    /// The ledger's `appended` time.
    let at: LedgerTime
    /// The event's number in its exchange's timeline, when the batch opened the exchange
    /// (otherwise the transaction counts on from the stored row).
    var seq: Int64?
    /// The texts of the event's timeline row.
    let row: TimelineTexts

    /// The texts of a row of `exchange_events`, in the batch's ``TextArena``.
    struct TimelineTexts: Sendable {
        var subject: TextArena.Text, id: TextArena.Text, shortName: TextArena.Text, source: TextArena.Text
        var time: TextArena.Text, at: TextArena.Text, detail: TextArena.Text, items: TextArena.Text
        /// `sealed.to` in compact JSON (null for clear content).
        var sealedTo: TextArena.Text
        /// Whether the content is sealed and this read model's reader could not open it.
        var sealed: Bool
    }

    /// The exchange event `e` of the entry at `index`, appended at `appended`, with its timeline
    /// texts added to `texts`, and the row it opens if it is a request or a distribution; `nil`
    /// for any other event.
    static func prepare(
        index: UInt64, appended: LedgerTime, event e: borrowing CloudEvent, opened: OpenedContent? = nil, texts: inout TextArena
    ) -> (event: PreparedExchangeEvent, opening: ExchangeRow?)? {
        guard let (type, shortName) = ExchangesProjection.types[ExactText(e.type)], e.subject.hasBytePrefix("exchange/") else { return nil }
        let opens = type == .exchangeRequested || type == .exchangeDistributed
        var data = ExchangeData(members: e.dataMembers, of: e.bytes, opening: opens, texts: &texts)
        if let opened, data.sealedTo != nil { data.fill(from: opened, opening: opens, texts: &texts) }
        let row = TimelineTexts(subject: texts.append(e.subject), id: texts.append(e.id),
                                shortName: texts.append(shortName), source: texts.append(e.source),
                                time: texts.append(e.time), at: texts.append(appended),
                                detail: data.detail, items: data.items,
                                sealedTo: data.sealedTo.map { texts.append($0) } ?? .null, sealed: data.sealed)
        let event = PreparedExchangeEvent(index: index, type: type, subject: e.subject, time: e.time, at: appended,
                                          seq: nil, row: row)
        let opening = opens ? ExchangeRow(opening: e, data: data, type: type, index: Int64(index), at: .time(appended)) : nil
        return (event, opening)
    }
}

/// The members of an exchange event's `data` that its rows use, read from the event's bytes
/// without building the rest of `data` (``CloudEvent/dataMembers``): the same values as
/// `data["title"]?.stringValue`, `data["items"].map(JSONWriter.string)` and so on. The timeline's
/// `detail` and `items` go straight from the event's bytes into the batch's ``TextArena``.
struct ExchangeData {
    var provider: String?, category: String?, title: String?, classification: String?, dueDate: String?
    /// `recipients`, whatever its JSON type, in compact JSON.
    var recipients: String?
    /// The timeline's `detail`: `purpose` (of an opening event) or `reason` (of the others),
    /// else `note`, when a string.
    var detail = TextArena.Text.null
    /// `items`, whatever its JSON type, in compact JSON.
    var items = TextArena.Text.null
    /// `sealed.to` in compact JSON, when the content is sealed.
    var sealedTo: String?
    /// Whether the content is sealed and not (yet) filled from an opened plaintext.
    var sealed = false

    /// The members of an event's `data` (`members`, ``CloudEvent/dataMembers``) in its `bytes`.
    init(members: [JSONParser.SkimmedMember]?, of bytes: [UInt8], opening: Bool, texts: inout TextArena) {
        // `data` that is not an object has none of these members.
        guard let members else { return }
        bytes.withUnsafeBytes { buffer in
            var detail: UnsafeRawBufferPointer?, note: UnsafeRawBufferPointer?
            for member in members {
                let value = UnsafeRawBufferPointer(rebasing: buffer[member.value])
                switch member.name {
                case "purpose" where opening, "reason" where !opening: detail = value
                case "note": note = value
                case "provider": provider = Self.string(value)
                case "category": category = Self.string(value)
                case "title": title = Self.string(value)
                case "classification": classification = Self.string(value)
                case "dueDate": dueDate = Self.string(value)
                case "items":
                    // Checked with the whole event when it was read: not again.
                    items = (try? JSONWriter.withCompactForm(ofChecked: value) { texts.append(utf8: $0) }) ?? .null
                case "recipients": recipients = try? JSONWriter.compactString(of: value)
                case "sealed":
                    if case .array(let to)? = (try? JSONParser.parse(value))?["to"] {
                        sealedTo = JSONWriter.string(.array(to))
                        sealed = true
                    }
                default: continue
                }
            }
            // As `purpose ?? note`: a member that is not a string counts as absent.
            func text(_ value: UnsafeRawBufferPointer?) -> TextArena.Text? {
                guard let value else { return nil }
                return (try? JSONParser.withString(value) { utf8, _ in texts.append(utf8: utf8) }) ?? nil
            }
            self.detail = text(detail) ?? text(note) ?? .null
        }
    }

    /// Fills the content members from an opened plaintext: what the event would have carried
    /// in the clear.
    mutating func fill(from opened: OpenedContent, opening: Bool, texts: inout TextArena) {
        let content = opened.content
        if let t = content["title"]?.stringValue { title = t }
        if let d = (opening ? content["purpose"] : content["reason"])?.stringValue ?? content["note"]?.stringValue {
            detail = texts.append(d)
        }
        if let i = content["items"] { items = texts.append(JSONWriter.string(i)) }
        sealed = false
    }

    /// The value in `bytes` if it is a JSON string.
    private static func string(_ bytes: UnsafeRawBufferPointer) -> String? {
        (try? JSONParser.parseString(bytes)) ?? nil
    }
}
