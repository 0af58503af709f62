import GRDB
import Jejak
import JejakBase
import JejakDomain
import JejakJSON

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
        guard e.subject.hasBytePrefix("registry/") else { return }
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
        let fields = vkey.utf8.split(separator: UInt8(ascii: "+"), maxSplits: 2, omittingEmptySubsequences: false)
        return fields.prefix(2).map { String(decoding: $0, as: UTF8.self) }.joined(separator: "+")
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

    /// Counts the batch's exchange and audit events in memory, then adds them to `activity`
    /// with one upsert per unit and month touched.
    public func apply(batch entries: ArraySlice<LogEntry>, in db: Database) throws {
        struct Key: Hashable { let unit: ExactText; let month: String }
        var counts: [Key: [Int64]] = [:]
        var order: [Key] = []
        var lastMillis = Int64.min, month = ""
        func add(_ column: Int, _ unit: String, published: Bool) {
            let key = Key(unit: ExactText(unit), month: month)
            var row = counts[key] ?? { order.append(key); return [Int64](repeating: 0, count: Self.counters.count) }()
            row[column] += 1
            if published { row[0] += 1 }
            counts[key] = row
        }
        for entry in entries {
            let e = entry.event
            guard let column = Self.columnOfType[ExactText(e.type)] else { continue }
            if entry.appended.millisecondsSinceEpoch != lastMillis {
                lastMillis = entry.appended.millisecondsSinceEpoch
                month = timeZone.month(of: entry.appended)
            }
            add(column, e.source, published: true)
            switch column {
            case Self.requestsMade:
                if let provider = e.data["provider"]?.stringValue { add(Self.requestsReceived, provider, published: false) }
            case Self.distributions:
                for r in e.data["recipients"]?.arrayValue ?? [] {
                    if let unit = r.stringValue { add(Self.distributionsReceived, unit, published: false) }
                }
            default:
                break
            }
        }
        guard !order.isEmpty else { return }
        let columns = Self.counters.joined(separator: ", ")
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO activity (unit, month, \(columns)) VALUES (?, ?, \(Self.counters.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (unit, month) DO UPDATE SET \(Self.counters.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
            """)
        for key in order {
            guard let row = counts[key] else { continue }
            try upsert.execute(arguments: StatementArguments([key.unit.string as any DatabaseValueConvertible, key.month] + row.map { $0 as any DatabaseValueConvertible }))
        }
    }

    /// Counts one exchange or audit event for its publisher (and the units it is addressed to).
    public func apply(_ entry: LogEntry, in db: Database) throws {
        try apply(batch: [entry][...], in: db)
    }

    static let requestsMade = 1, requestsReceived = 2, distributions = 8, distributionsReceived = 9

    /// The column (in ``counters``) each exchange and audit type counts in for its publisher.
    static let columnOfType: [ExactText: Int] = {
        var map: [ExactText: Int] = [:]
        for type in DomainEventType.allCases {
            switch type {
            case .exchangeRequested: map[ExactText(type.rawValue)] = requestsMade
            case .exchangeDelivered: map[ExactText(type.rawValue)] = 3
            case .exchangeAcknowledged: map[ExactText(type.rawValue)] = 4
            case .exchangeRejected: map[ExactText(type.rawValue)] = 5
            case .exchangeDeclined: map[ExactText(type.rawValue)] = 6
            case .exchangeWithdrawn: map[ExactText(type.rawValue)] = 7
            case .exchangeDistributed: map[ExactText(type.rawValue)] = distributions
            case .auditOpened, .auditFindingRecorded, .auditFollowUpRecorded, .auditClosed: map[ExactText(type.rawValue)] = 10
            default: continue
            }
        }
        return map
    }()
}
