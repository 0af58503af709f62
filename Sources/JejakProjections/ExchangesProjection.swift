import GRDB
import Jejak
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
    /// The version of the tables and logic.
    public let version = 1
    /// The zone of calendar dates.
    public var timeZone: ReadModelTimeZone

    /// The projection, with dates in `timeZone` (WIB by default).
    public init(timeZone: ReadModelTimeZone = .wib) {
        self.timeZone = timeZone
    }

    /// The statuses of an exchange, as written in `exchanges.status`.
    public enum Status: String, CaseIterable, Sendable, Codable {
        /// Requested, waiting for the provider's delivery (open).
        case requested
        /// Delivered, waiting for the requester's answer (open).
        case delivered
        /// The delivery was rejected; waiting for the provider to deliver again (open).
        case rejected
        /// The requester accepted a delivery (closed).
        case acknowledged
        /// The provider declined the request (closed).
        case declined
        /// The requester withdrew the request (closed).
        case withdrawn
        /// Data shared without a request (closed).
        case distributed

        /// Whether the exchange still awaits an answer.
        public var isOpen: Bool { self == .requested || self == .delivered || self == .rejected }
        /// Whether the exchange waits for its provider (it can become overdue).
        public var awaitsProvider: Bool { self == .requested || self == .rejected }
    }

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
                events INTEGER NOT NULL
            );
            CREATE INDEX exchanges_requester ON exchanges (requester);
            CREATE INDEX exchanges_provider ON exchanges (provider);
            CREATE INDEX exchanges_status ON exchanges (status);
            CREATE INDEX exchanges_open_due ON exchanges (due_date) WHERE open = 1;
            CREATE TABLE exchange_events (
                exchange_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                log_index INTEGER NOT NULL UNIQUE,
                event_id TEXT NOT NULL,
                type TEXT NOT NULL,
                source TEXT NOT NULL,
                time TEXT NOT NULL,
                appended_at TEXT NOT NULL,
                detail TEXT,
                items TEXT,
                PRIMARY KEY (exchange_id, seq)
            ) WITHOUT ROWID;
            """)
    }

    /// Drops `exchanges` and `exchange_events`.
    public func drop(in db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS exchanges; DROP TABLE IF EXISTS exchange_events")
    }

    /// Applies an exchange event; other entries are ignored.
    public func apply(_ entry: LogEntry, in db: Database) throws {
        let e = entry.event
        guard e.subject.hasPrefix("exchange/"), let type = DomainEventType(rawValue: e.type) else { return }
        let index = Int64(entry.index), at = entry.appended.rfc3339
        let data = e.data
        var detail: String?
        switch type {
        case .exchangeRequested, .exchangeDistributed:
            let distribution = type == .exchangeDistributed
            let recipients = distribution ? data["recipients"].map { JSONWriter.string($0) } : nil
            try db.cachedStatement(sql: """
                INSERT INTO exchanges (id, kind, requester, provider, recipients, category, title, classification,
                    due_date, status, open, requested_at, requested_time, closed_at, closed_time,
                    first_index, last_index, event_indexes, events)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                """).execute(arguments: [
                    e.subject, distribution ? "distribution" : "request", e.source,
                    distribution ? e.source : data["provider"]?.stringValue, recipients,
                    data["category"]?.stringValue, data["title"]?.stringValue, data["classification"]?.stringValue,
                    data["dueDate"]?.stringValue,
                    distribution ? Status.distributed.rawValue : Status.requested.rawValue, distribution ? 0 : 1,
                    at, e.time, distribution ? at : nil, distribution ? e.time : nil,
                    index, index, "[\(index)]",
                ])
            detail = data["purpose"]?.stringValue ?? data["note"]?.stringValue
        default:
            guard type.area == "exchange",
                  let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT due_date, delivered_at, event_indexes, events FROM exchanges WHERE id = ?"),
                                             arguments: [e.subject])
            else { return }
            let indexes = (row["event_indexes"] as String).dropLast() + ",\(index)]"
            let events = (row["events"] as Int64) + 1
            switch type {
            case .exchangeDelivered:
                try db.cachedStatement(sql: """
                    UPDATE exchanges SET status = 'delivered', deliveries = deliveries + 1, delivered_at = ?, delivered_time = ?,
                        overdue = 0, last_index = ?, event_indexes = ?, events = ? WHERE id = ?
                    """).execute(arguments: [at, e.time, index, String(indexes), events, e.subject])
                detail = data["note"]?.stringValue
            case .exchangeRejected:
                try db.cachedStatement(sql: """
                    UPDATE exchanges SET status = 'rejected', rejections = rejections + 1,
                        last_index = ?, event_indexes = ?, events = ? WHERE id = ?
                    """).execute(arguments: [index, String(indexes), events, e.subject])
                detail = data["reason"]?.stringValue
            case .exchangeAcknowledged:
                var late = false
                if let due: String = row["due_date"], let delivered: String = row["delivered_at"],
                   let deliveredTime = LedgerTime(rfc3339: delivered) {
                    late = timeZone.date(of: deliveredTime) > due
                }
                try db.cachedStatement(sql: """
                    UPDATE exchanges SET status = 'acknowledged', open = 0, overdue = 0, late = ?,
                        acknowledged_at = ?, acknowledged_time = ?, closed_at = ?, closed_time = ?,
                        last_index = ?, event_indexes = ?, events = ? WHERE id = ?
                    """).execute(arguments: [late, at, e.time, at, e.time, index, String(indexes), events, e.subject])
                detail = data["note"]?.stringValue
            case .exchangeDeclined, .exchangeWithdrawn:
                let status: Status = type == .exchangeDeclined ? .declined : .withdrawn
                try db.cachedStatement(sql: """
                    UPDATE exchanges SET status = ?, open = 0, overdue = 0, closed_at = ?, closed_time = ?,
                        last_index = ?, event_indexes = ?, events = ? WHERE id = ?
                    """).execute(arguments: [status.rawValue, at, e.time, index, String(indexes), events, e.subject])
                detail = data["reason"]?.stringValue
            default:
                return
            }
        }
        let seq = try Int64.fetchOne(db.cachedStatement(sql: "SELECT events FROM exchanges WHERE id = ?"), arguments: [e.subject]) ?? 1
        try db.cachedStatement(sql: """
            INSERT INTO exchange_events (exchange_id, seq, log_index, event_id, type, source, time, appended_at, detail, items)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                e.subject, seq, index, e.id, type.shortName, e.source, e.time, at, detail,
                data["items"].map { JSONWriter.string($0) },
            ])
    }

    /// Sets `overdue` on the open exchanges waiting for their provider whose due date is before
    /// the date (in ``timeZone``) of the batch's last `appended` time.
    public func didApplyBatch(through entry: LogEntry, in db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE exchanges SET overdue = (status IN ('requested', 'rejected') AND due_date < ?) WHERE open = 1
            """).execute(arguments: [timeZone.date(of: entry.appended)])
    }
}

extension DomainEventType {
    /// The type's short name, e.g. `delivered` for `id.go.kpu.jejak.exchange.delivered.v1`.
    var shortName: String {
        let name = rawValue.dropFirst(Self.prefix.count)
        let parts = name.split(separator: ".")
        return parts.count >= 2 ? String(parts[1]) : String(name)
    }
}
