import GRDB
import Jejak
import JejakBase
import JejakDomain
import JejakJSON

/// The audits read model: audits (`audits`), their findings (`audit_findings`) and the
/// follow-ups recorded by the audited unit (`audit_follow_ups`). See the `ReadModels` article.
public struct AuditsProjection: Projection {
    /// `audits`.
    public let name = "audits"
    /// The version of the tables and logic.
    public let version = 1

    /// The projection.
    public init() {}

    /// Creates `audits`, `audit_findings` and `audit_follow_ups`.
    public func create(in db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE audits (
                id TEXT PRIMARY KEY NOT NULL,
                inspector TEXT NOT NULL,
                audited_unit TEXT NOT NULL,
                scope TEXT,
                period_start TEXT,
                period_end TEXT,
                status TEXT NOT NULL,
                opened_at TEXT NOT NULL,
                opened_time TEXT NOT NULL,
                closed_at TEXT,
                closed_time TEXT,
                summary TEXT,
                findings INTEGER NOT NULL DEFAULT 0,
                open_findings INTEGER NOT NULL DEFAULT 0,
                follow_ups INTEGER NOT NULL DEFAULT 0,
                first_index INTEGER NOT NULL,
                last_index INTEGER NOT NULL
            );
            CREATE TABLE audit_findings (
                audit_id TEXT NOT NULL,
                finding TEXT NOT NULL,
                severity TEXT,
                criteria TEXT,
                condition TEXT,
                recommendation TEXT,
                status TEXT NOT NULL,
                follow_ups INTEGER NOT NULL DEFAULT 0,
                recorded_at TEXT NOT NULL,
                recorded_time TEXT NOT NULL,
                log_index INTEGER NOT NULL,
                last_follow_up_at TEXT,
                PRIMARY KEY (audit_id, finding)
            ) WITHOUT ROWID;
            CREATE TABLE audit_follow_ups (
                log_index INTEGER PRIMARY KEY NOT NULL,
                audit_id TEXT NOT NULL,
                finding TEXT NOT NULL,
                source TEXT NOT NULL,
                action TEXT,
                evidence TEXT,
                recorded_at TEXT NOT NULL,
                recorded_time TEXT NOT NULL,
                event_id TEXT NOT NULL
            );
            CREATE INDEX audit_follow_ups_finding ON audit_follow_ups (audit_id, finding);
            """)
    }

    /// Drops the audit tables.
    public func drop(in db: Database) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS audits; DROP TABLE IF EXISTS audit_findings; DROP TABLE IF EXISTS audit_follow_ups")
    }

    /// Applies an audit event; other entries are ignored.
    public func apply(_ entry: LogEntry, in db: Database) throws {
        let e = entry.event
        guard e.subject.hasBytePrefix("audit/"), let type = DomainEventType(rawValue: e.type) else { return }
        let data = e.data, index = Int64(entry.index), at = entry.appended.rfc3339
        switch type {
        case .auditOpened:
            try db.cachedStatement(sql: """
                INSERT INTO audits (id, inspector, audited_unit, scope, period_start, period_end, status, opened_at, opened_time,
                    first_index, last_index)
                VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)
                """).execute(arguments: [e.subject, e.source, data["auditedUnit"]?.stringValue ?? "", data["scope"]?.stringValue,
                                         data["periodStart"]?.stringValue, data["periodEnd"]?.stringValue, at, e.time, index, index])
        case .auditFindingRecorded:
            guard let finding = data["finding"]?.stringValue else { return }
            try db.cachedStatement(sql: """
                INSERT INTO audit_findings (audit_id, finding, severity, criteria, condition, recommendation, status,
                    recorded_at, recorded_time, log_index)
                VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)
                """).execute(arguments: [e.subject, finding, data["severity"]?.stringValue, data["criteria"]?.stringValue,
                                         data["condition"]?.stringValue, data["recommendation"]?.stringValue, at, e.time, index])
            try db.cachedStatement(sql: """
                UPDATE audits SET findings = findings + 1, open_findings = open_findings + 1, last_index = ? WHERE id = ?
                """).execute(arguments: [index, e.subject])
        case .auditFollowUpRecorded:
            guard let finding = data["finding"]?.stringValue else { return }
            let wasOpen = try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT status = 'open' FROM audit_findings WHERE audit_id = ? AND finding = ?
                """), arguments: [e.subject, finding]) ?? false
            try db.cachedStatement(sql: """
                INSERT INTO audit_follow_ups (log_index, audit_id, finding, source, action, evidence, recorded_at, recorded_time, event_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [index, e.subject, finding, e.source, data["action"]?.stringValue,
                                         data["evidence"].map { JSONWriter.string($0) }, at, e.time, e.id])
            try db.cachedStatement(sql: """
                UPDATE audit_findings SET status = 'followed-up', follow_ups = follow_ups + 1, last_follow_up_at = ?
                WHERE audit_id = ? AND finding = ?
                """).execute(arguments: [at, e.subject, finding])
            try db.cachedStatement(sql: """
                UPDATE audits SET follow_ups = follow_ups + 1, open_findings = open_findings - ?, last_index = ? WHERE id = ?
                """).execute(arguments: [wasOpen ? 1 : 0, index, e.subject])
        case .auditClosed:
            try db.cachedStatement(sql: """
                UPDATE audits SET status = 'closed', closed_at = ?, closed_time = ?, summary = ?, last_index = ? WHERE id = ?
                """).execute(arguments: [at, e.time, data["summary"]?.stringValue, index, e.subject])
        default:
            return
        }
    }
}
