import GRDB
import Jejak
import JejakDomain

/// The registry read model: the units (`units`) and their keys (`unit_keys`) as the registry
/// stands after the entries applied. See the `ReadModels` article for every column.
public struct UnitsProjection: Projection {
    /// `units`.
    public let name = "units"
    /// The version of the tables and logic.
    public let version = 1

    /// The projection.
    public init() {}

    /// Creates `units` and `unit_keys`.
    public func create(in db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE units (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                registered_index INTEGER NOT NULL,
                registered_at TEXT NOT NULL,
                active_keys INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE unit_keys (
                vkey TEXT PRIMARY KEY NOT NULL,
                key_id TEXT NOT NULL,
                unit TEXT NOT NULL,
                status TEXT NOT NULL,
                added_index INTEGER NOT NULL,
                added_at TEXT NOT NULL,
                revoked_index INTEGER,
                revoked_at TEXT,
                revoke_reason TEXT
            );
            CREATE INDEX unit_keys_unit ON unit_keys (unit);
            """)
    }

    /// Drops `units` and `unit_keys`.
    public func drop(in db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS units; DROP TABLE IF EXISTS unit_keys")
    }

    /// Applies a registry event; other entries are ignored. The ledger only appends registry
    /// events its registry accepts, so they are applied as they come.
    public func apply(_ entry: LogEntry, in db: Database) throws {
        let e = entry.event
        guard e.subject.hasPrefix("registry/") else { return }
        let data = e.data, index = Int64(entry.index), at = entry.appended.rfc3339
        guard let unit = data["unit"]?.stringValue else { return }
        switch e.type {
        case RegistryEvent.unitRegistered:
            try db.cachedStatement(sql: """
                INSERT INTO units (id, name, role, registered_index, registered_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role
                """).execute(arguments: [unit, data["name"]?.stringValue ?? "", data["role"]?.stringValue ?? "", index, at])
        case RegistryEvent.keyAdded:
            guard let vkey = data["key"]?.stringValue else { return }
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO unit_keys (vkey, key_id, unit, status, added_index, added_at) VALUES (?, ?, ?, 'active', ?, ?)
                """).execute(arguments: [vkey, Self.keyID(vkey), unit, index, at])
            try db.cachedStatement(sql: "UPDATE units SET active_keys = active_keys + ? WHERE id = ?")
                .execute(arguments: [db.changesCount, unit])
        case RegistryEvent.keyRevoked:
            guard let vkey = data["key"]?.stringValue else { return }
            try db.cachedStatement(sql: """
                UPDATE unit_keys SET status = 'revoked', revoked_index = ?, revoked_at = ?, revoke_reason = ?
                WHERE vkey = ? AND status = 'active'
                """).execute(arguments: [index, at, data["reason"]?.stringValue, vkey])
            try db.cachedStatement(sql: "UPDATE units SET active_keys = active_keys - ? WHERE id = ?")
                .execute(arguments: [db.changesCount, unit])
        default:
            return
        }
    }

    /// The `name+keyid` hint of a vkey string (its first two `+`-separated fields).
    static func keyID(_ vkey: String) -> String {
        vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false).prefix(2).joined(separator: "+")
    }
}

/// The activity read model: per unit and month, how many events of each kind it published or
/// received (`activity`). See the `ReadModels` article for every column.
public struct ActivityProjection: Projection {
    /// `activity`.
    public let name = "activity"
    /// The version of the tables and logic.
    public let version = 1
    /// The zone of the months.
    public var timeZone: ReadModelTimeZone

    /// The projection, with months in `timeZone` (WIB by default).
    public init(timeZone: ReadModelTimeZone = .wib) {
        self.timeZone = timeZone
    }

    /// The count columns of `activity`, in table order.
    public static let counters = ["published", "requests_made", "requests_received", "deliveries", "acknowledgements",
                           "rejections", "declines", "withdrawals", "distributions", "distributions_received",
                           "audit_events"]

    /// Creates `activity`.
    public func create(in db: Database) throws {
        let columns = Self.counters.map { "\($0) INTEGER NOT NULL DEFAULT 0" }.joined(separator: ",\n    ")
        try db.execute(sql: """
            CREATE TABLE activity (
                unit TEXT NOT NULL,
                month TEXT NOT NULL,
                \(columns),
                PRIMARY KEY (unit, month)
            ) WITHOUT ROWID
            """)
    }

    /// Drops `activity`.
    public func drop(in db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS activity")
    }

    private func count(_ column: String, unit: String, month: String, published: Bool, in db: Database) throws {
        // `column` is one of `counters` (never user input).
        try db.cachedStatement(sql: """
            INSERT INTO activity (unit, month, published, \(column)) VALUES (?, ?, ?, 1)
            ON CONFLICT (unit, month) DO UPDATE SET published = published + excluded.published, \(column) = \(column) + 1
            """).execute(arguments: [unit, month, published ? 1 : 0])
    }

    /// Counts an exchange or audit event for its publisher (and the units it is addressed to).
    public func apply(_ entry: LogEntry, in db: Database) throws {
        let e = entry.event
        guard let type = DomainEventType(rawValue: e.type), type.area == "exchange" || type.area == "audit" else { return }
        let month = timeZone.month(of: entry.appended)
        switch type {
        case .exchangeRequested:
            try count("requests_made", unit: e.source, month: month, published: true, in: db)
            if let provider = e.data["provider"]?.stringValue {
                try count("requests_received", unit: provider, month: month, published: false, in: db)
            }
        case .exchangeDelivered: try count("deliveries", unit: e.source, month: month, published: true, in: db)
        case .exchangeAcknowledged: try count("acknowledgements", unit: e.source, month: month, published: true, in: db)
        case .exchangeRejected: try count("rejections", unit: e.source, month: month, published: true, in: db)
        case .exchangeDeclined: try count("declines", unit: e.source, month: month, published: true, in: db)
        case .exchangeWithdrawn: try count("withdrawals", unit: e.source, month: month, published: true, in: db)
        case .exchangeDistributed:
            try count("distributions", unit: e.source, month: month, published: true, in: db)
            for r in e.data["recipients"]?.arrayValue ?? [] {
                if let unit = r.stringValue {
                    try count("distributions_received", unit: unit, month: month, published: false, in: db)
                }
            }
        default:
            try count("audit_events", unit: e.source, month: month, published: true, in: db)
        }
    }
}
