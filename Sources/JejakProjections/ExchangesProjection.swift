import GRDB
import Jejak
import JejakBase
import JejakDomain
import JejakJSON

/// The exchanges read model: one row per exchange stream (`exchanges`) and each exchange's
/// timeline (`exchange_events`). See the `ReadModels` article for every column.
///
/// Times named `*_at` are the ledger's `appended` times (RFC 3339 UTC, milliseconds); those named
/// `*_time` are the events' own `time` as the publisher stated it. Calendar dates (lateness,
/// overdue) are taken in ``timeZone``.
public struct ExchangesProjection: Projection {
    /// `exchanges`.
    public let name = "exchanges"
    /// The version of the tables and logic (3: sealed content, `sealed_to` and `sealed`).
    public let version = 3
    /// The zone of calendar dates.
    public var timeZone: ReadModelTimeZone
    /// Who the read model is built for: the sealed content it may open fills the content
    /// columns; `nil` leaves all sealed content `NULL`.
    public var reader: SealedContentReader?

    /// The projection, with dates in `timeZone` (WIB by default), for `reader` (none by default).
    public init(timeZone: ReadModelTimeZone = .wib, reader: SealedContentReader? = nil) {
        self.timeZone = timeZone
        self.reader = reader
    }

    /// The statuses of an exchange, as written in `exchanges.status`: the domain's
    /// ``ExchangeState/Status``, the state machine this projection folds.
    public typealias Status = ExchangeState.Status

    /// Creates `exchanges` and `exchange_events`.
    public func create(in db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE exchanges (
                id TEXT PRIMARY KEY NOT NULL,
                kind TEXT NOT NULL,
                requester TEXT NOT NULL,
                provider TEXT NOT NULL,
                recipients TEXT,
                category TEXT,
                title TEXT,
                classification TEXT,
                due_date TEXT,
                status TEXT NOT NULL,
                open INTEGER NOT NULL,
                deliveries INTEGER NOT NULL DEFAULT 0,
                rejections INTEGER NOT NULL DEFAULT 0,
                requested_at TEXT NOT NULL,
                requested_time TEXT NOT NULL,
                delivered_at TEXT,
                delivered_time TEXT,
                acknowledged_at TEXT,
                acknowledged_time TEXT,
                closed_at TEXT,
                closed_time TEXT,
                late INTEGER NOT NULL DEFAULT 0,
                overdue INTEGER NOT NULL DEFAULT 0,
                first_index INTEGER NOT NULL,
                last_index INTEGER NOT NULL,
                event_indexes TEXT NOT NULL,
                events INTEGER NOT NULL,
                sealed_to TEXT,
                sealed INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            CREATE INDEX exchanges_requester ON exchanges (requester);
            CREATE INDEX exchanges_provider ON exchanges (provider);
            CREATE INDEX exchanges_open_due ON exchanges (due_date) WHERE open = 1;
            CREATE TABLE exchange_events (
                exchange_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                log_index INTEGER NOT NULL,
                event_id TEXT NOT NULL,
                type TEXT NOT NULL,
                source TEXT NOT NULL,
                time TEXT NOT NULL,
                appended_at TEXT NOT NULL,
                detail TEXT,
                items TEXT,
                sealed_to TEXT,
                sealed INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (exchange_id, seq)
            ) WITHOUT ROWID;
            CREATE TABLE exchanges_reader (reader TEXT NOT NULL);
            """)
        try db.execute(sql: "INSERT INTO exchanges_reader (reader) VALUES (?)", arguments: [reader?.record ?? ""])
    }

    /// Refuses tables built for another reader of sealed content: a file holds one reader's
    /// view, and what one unit may read is never mixed with another's.
    ///
    /// - Throws: ``ProjectionError`` with code ``ProjectionError/Code/readerMismatch``.
    public func checkStored(in db: Database) throws {
        let built = try String.fetchOne(db, sql: "SELECT reader FROM exchanges_reader") ?? ""
        guard built == (reader?.record ?? "") else {
            let was = built.isEmpty ? "no reader (sealed content left sealed)" : "the unit \(built.prefix { $0 != " " }) and its identities"
            let now = reader.map { "the unit \($0.unit) and these identities" } ?? "no reader"
            throw ProjectionError(.readerMismatch, "these read models were built for \(was), not for \(now): project into another --db file (a read model holds what its reader may read, and no one else's)")
        }
    }

    /// Drops `exchanges` and `exchange_events`.
    public func drop(in db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS exchanges; DROP TABLE IF EXISTS exchange_events; DROP TABLE IF EXISTS exchanges_reader")
    }

    /// Applies an exchange event; other entries are ignored.
    public func apply(_ entry: LogEntry, in db: Database) throws {
        try apply(batch: [entry][...], prepared: nil, in: db)
    }

    /// Folds the batch's exchange events into the exchanges they touch; see
    /// ``apply(batch:prepared:in:)``.
    public func apply(batch entries: ArraySlice<LogEntry>, in db: Database) throws {
        try apply(batch: entries, prepared: nil, in: db)
    }

    /// Extracts from each exchange event the values of its rows (names, times, the items as
    /// JSON) and folds the exchanges that the batch opens through the rest of the batch, so that
    /// the transaction only folds the exchanges opened before it and writes; the timeline rows'
    /// texts go into one buffer, bound to SQLite without copies. The result serves
    /// ``apply(batch:prepared:in:)`` for exactly these entries.
    public func prepare(batch entries: ArraySlice<LogEntry>) -> PreparedExchanges? {
        PreparedExchanges(entries, timeZone: timeZone, reader: reader)
    }

    /// Appends the batch's timeline rows and writes each exchange it touches once: those opened
    /// in the batch come folded from ``prepare(batch:)``; the others are loaded (each at most
    /// once) and folded here. `prepared` is what ``prepare(batch:)`` made of exactly these
    /// entries; for anything else, they are prepared here.
    public func apply(batch entries: ArraySlice<LogEntry>, prepared: PreparedExchanges?, in db: Database) throws {
        guard let first = entries.first?.index, let last = entries.last?.index else { return }
        let batch: PreparedExchanges
        if let prepared, prepared.indexes == first...last {
            batch = prepared
        } else {
            batch = PreparedExchanges(entries, timeZone: timeZone, reader: reader)
        }
        // The exchanges opened before the batch, loaded and folded in place (a row is never
        // copied in and out of a dictionary).
        var rows: [ExchangeRow] = []
        var slots: [ExactText: Int] = [:]
        var insertEvent = RowWriter(try db.cachedStatement(sql: """
            INSERT INTO exchange_events (log_index, exchange_id, seq, event_id, type, source, time, appended_at, detail, items, sealed_to, sealed)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """), in: db)
        try batch.texts.withUnsafeBufferPointer { texts in
            let events = batch.events
            for k in events.indices {
                let index = events[k].index
                do {
                    let seq: Int64
                    if let prepared = events[k].seq {
                        seq = prepared
                    } else {
                        let slot: Int
                        if let known = slots[ExactText(events[k].subject)] {
                            slot = known
                        } else if let stored = try Row.fetchOne(db.cachedStatement(sql: ExchangeRow.select),
                                                                arguments: [events[k].subject]) {
                            rows.append(try ExchangeRow(row: stored))
                            slot = rows.count - 1
                            slots[ExactText(events[k].subject)] = slot
                        } else {
                            continue  // The ledger's rules refuse this; nothing to attach it to.
                        }
                        rows[slot].fold(events[k].type, time: events[k].time, index: Int64(index), at: events[k].at,
                                        timeZone: timeZone)
                        seq = rows[slot].events
                    }
                    let row = events[k].row
                    insertEvent.add(Int64(index))
                    insertEvent.add(row.subject, in: texts)
                    insertEvent.add(seq)
                    insertEvent.add(row.id, in: texts)
                    insertEvent.add(row.shortName, in: texts)
                    insertEvent.add(row.source, in: texts)
                    insertEvent.add(row.time, in: texts)
                    insertEvent.add(row.at, in: texts)
                    insertEvent.add(row.detail, in: texts)
                    insertEvent.add(row.items, in: texts)
                    insertEvent.add(row.sealedTo, in: texts)
                    insertEvent.add(row.sealed)
                    try insertEvent.run()
                } catch {
                    throw FailedEntry(index: index, eventID: batch.texts.string(events[k].row.id) ?? "", underlying: error)
                }
            }
        }
        guard !rows.isEmpty || !batch.opened.isEmpty else { return }
        var upsert = RowWriter(try db.cachedStatement(sql: """
            INSERT INTO exchanges (\(ExchangeRow.columns.joined(separator: ", ")))
            VALUES (\(ExchangeRow.columns.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (id) DO UPDATE SET \(ExchangeRow.mutableColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            """), in: db)
        // Loaded rows first: an exchange opened again in the batch (which the ledger's rules
        // refuse) ends as its new opening made it.
        for row in rows {
            row.bind(to: &upsert)
            try upsert.run()
        }
        for k in batch.opened.indices {
            batch.opened[k].bind(to: &upsert)
            try upsert.run()
        }
    }

    /// Sets `overdue` on the open exchanges waiting for their provider whose due date is before
    /// the date (in ``timeZone``) of the batch's last `appended` time.
    public func didApplyBatch(through entry: LogEntry, in db: Database) throws {
        // Only the rows whose flag changes are written (an open exchange stays open for weeks).
        let today = timeZone.date(of: entry.appended)
        try db.cachedStatement(sql: """
            UPDATE exchanges SET overdue = (status IN ('requested', 'rejected') AND due_date < ?1)
            WHERE open = 1 AND overdue IS NOT (status IN ('requested', 'rejected') AND due_date < ?1)
            """).execute(arguments: [today])
    }
}

extension ExchangesProjection {
    /// The exchange event types by name, with their short names (`delivered`, …).
    static let types: [ExactText: (DomainEventType, String)] = Dictionary(uniqueKeysWithValues:
        DomainEventType.allCases.filter { $0.area == "exchange" }.map { (ExactText($0.rawValue), ($0, $0.shortName)) })
}

extension DomainEventType {
    /// The type's short name, e.g. `delivered` for `id.go.kpu.jejak.exchange.delivered.v1`.
    var shortName: String {
        let name = rawValue.dropFirst(Self.prefix.count)
        let parts = name.split(separator: ".")
        return parts.count >= 2 ? String(parts[1]) : String(name)
    }
}

/// An exchange's row of `exchanges`, while a batch is folded.
struct ExchangeRow {
    var id: String, recipients: String?
    var category: String?, title: String?, classification: String?, dueDate: String?
    /// Where the exchange stands: kind, parties, status and counts (the domain's state machine).
    var state: ExchangeState
    var requestedAt: AppendedTime, requestedTime: String, deliveredAt: AppendedTime?, deliveredTime: String?
    var acknowledgedAt: AppendedTime?, acknowledgedTime: String?, closedAt: AppendedTime?, closedTime: String?
    var late: Bool, overdue: Bool, firstIndex: Int64, lastIndex: Int64, eventIndexes: String, events: Int64
    /// The opening event's `sealed.to` (compact JSON), and whether its content stayed sealed here.
    var sealedTo: String?, sealed: Bool

    /// The columns of `exchanges`, in the order of ``arguments``.
    static let columns = [
        "id", "kind", "requester", "provider", "recipients", "category", "title", "classification", "due_date", "status",
        "open", "deliveries", "rejections", "requested_at", "requested_time", "delivered_at", "delivered_time",
        "acknowledged_at", "acknowledged_time", "closed_at", "closed_time", "late", "overdue", "first_index", "last_index",
        "event_indexes", "events", "sealed_to", "sealed",
    ]

    /// The columns an event after the opening one may change.
    static let mutableColumns = [
        "status", "open", "deliveries", "rejections", "delivered_at", "delivered_time", "acknowledged_at",
        "acknowledged_time", "closed_at", "closed_time", "late", "overdue", "last_index", "event_indexes", "events",
    ]

    /// Selects one row by id, columns in the order of ``columns``.
    static let select = "SELECT \(columns.joined(separator: ", ")) FROM exchanges WHERE id = ?"

    /// Binds the row's values in the order of ``columns``.
    func bind(to writer: inout RowWriter) {
        writer.add(id)
        writer.add(state.kind.rawValue)
        writer.add(state.requester)
        writer.add(state.provider)
        writer.add(recipients)
        writer.add(category)
        writer.add(title)
        writer.add(classification)
        writer.add(dueDate)
        writer.add(state.status.rawValue)
        writer.add(state.isOpen)
        writer.add(state.deliveries)
        writer.add(state.rejections)
        writer.add(requestedAt)
        writer.add(requestedTime)
        writer.add(deliveredAt)
        writer.add(deliveredTime)
        writer.add(acknowledgedAt)
        writer.add(acknowledgedTime)
        writer.add(closedAt)
        writer.add(closedTime)
        writer.add(late)
        writer.add(overdue)
        writer.add(firstIndex)
        writer.add(lastIndex)
        writer.add(eventIndexes)
        writer.add(events)
        writer.add(sealedTo)
        writer.add(sealed)
    }

    /// The row an opening event (a request or a distribution) creates.
    init(opening e: borrowing CloudEvent, data: ExchangeData, type: DomainEventType, index: Int64, at: AppendedTime) {
        let distribution = type == .exchangeDistributed
        id = e.subject
        state = ExchangeState(opening: type, by: e.source, provider: data.provider)
            ?? ExchangeState(kind: .request, requester: e.source, provider: data.provider ?? "", status: .requested,
                             deliveries: 0, rejections: 0)
        recipients = distribution ? data.recipients : nil
        category = data.category
        title = data.title
        classification = data.classification
        dueDate = data.dueDate
        requestedAt = at
        requestedTime = e.time
        closedAt = distribution ? at : nil
        closedTime = distribution ? e.time : nil
        late = false
        overdue = false
        firstIndex = index
        lastIndex = index
        eventIndexes = "[\(index)]"
        events = 1
        sealedTo = data.sealedTo
        sealed = data.sealed
    }

    /// A stored row.
    init(row: Row) throws {
        id = try row.decode(atIndex: 0); recipients = try row.decode(atIndex: 4)
        category = try row.decode(atIndex: 5); title = try row.decode(atIndex: 6); classification = try row.decode(atIndex: 7); dueDate = try row.decode(atIndex: 8)
        // A stored row names a kind and a status this projection wrote; anything else (a file
        // edited by hand) reads as an open request, and the audit's comparison reports the row.
        state = ExchangeState(kind: ExchangeState.Kind(rawValue: try row.decode(String?.self, atIndex: 1) ?? "") ?? .request,
                              requester: try row.decode(String?.self, atIndex: 2) ?? "", provider: try row.decode(String?.self, atIndex: 3) ?? "",
                              status: ExchangeState.Status(rawValue: try row.decode(String?.self, atIndex: 9) ?? "") ?? .requested,
                              deliveries: try row.decode(Int64?.self, atIndex: 11) ?? 0, rejections: try row.decode(Int64?.self, atIndex: 12) ?? 0)
        requestedAt = .stored(try row.decode(atIndex: 13)); requestedTime = try row.decode(atIndex: 14)
        deliveredAt = (try row.decode(String?.self, atIndex: 15)).map(AppendedTime.stored); deliveredTime = try row.decode(atIndex: 16)
        acknowledgedAt = (try row.decode(String?.self, atIndex: 17)).map(AppendedTime.stored); acknowledgedTime = try row.decode(atIndex: 18)
        closedAt = (try row.decode(String?.self, atIndex: 19)).map(AppendedTime.stored); closedTime = try row.decode(atIndex: 20)
        late = try row.decode(atIndex: 21); overdue = try row.decode(atIndex: 22); firstIndex = try row.decode(atIndex: 23)
        lastIndex = try row.decode(atIndex: 24); eventIndexes = try row.decode(atIndex: 25); events = try row.decode(atIndex: 26)
        sealedTo = try row.decode(atIndex: 27); sealed = try row.decode(atIndex: 28)
    }

    /// The row after one more event (not a request or distribution).
    mutating func fold(_ type: DomainEventType, time: String, index: Int64, at appended: LedgerTime,
                       timeZone: ReadModelTimeZone) {
        let at = AppendedTime.time(appended)
        lastIndex = index
        // In place: "[5,6]" → "[5,6,7]".
        if eventIndexes.last == "]" { eventIndexes.removeLast() }
        eventIndexes.append(",")
        eventIndexes.append(String(index))
        eventIndexes.append("]")
        events += 1
        // The state machine decides the transition; the row records its times.
        let before = state
        state.apply(type)
        guard state != before else { return }
        switch state.status {
        case .delivered:
            deliveredAt = at
            deliveredTime = time
            overdue = false
        case .acknowledged, .declined, .withdrawn:
            if state.status == .acknowledged {
                acknowledgedAt = at
                acknowledgedTime = time
                if let dueDate, let delivered = deliveredAt?.ledgerTime {
                    // Dates compare as SQLite compares them: by their bytes.
                    late = ExactText(timeZone.date(of: delivered)) > ExactText(dueDate)
                }
            }
            overdue = false
            closedAt = at
            closedTime = time
        case .requested, .rejected, .distributed:
            break
        }
    }
}

/// A column of `exchanges` holding a ledger `appended` time: kept as a time and formatted only
/// when the row is written, or, for a row read back from the file, the stored text as it is.
enum AppendedTime {
    case time(LedgerTime)
    case stored(String)

    /// The time (`nil` for stored text that is not an RFC 3339 ledger time). A leaf's time
    /// always has a four-digit year, so its text is the 24-byte form whose first ten bytes are
    /// its date.
    var ledgerTime: LedgerTime? {
        switch self {
        case .time(let time): time
        case .stored(let text): LedgerTime(rfc3339: text)
        }
    }
}

extension RowWriter {
    /// Binds the next parameter to `time` (RFC 3339 text), or to `NULL`.
    mutating func add(_ time: AppendedTime?) {
        switch time {
        case .time(let time): add(time)
        case .stored(let text): add(text)
        case nil: add(nil as String?)
        }
    }
}
