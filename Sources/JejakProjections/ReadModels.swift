import GRDB
import Jejak
import JejakBase
import JejakJSON

/// Queries over the read models' SQLite file, and the list of built-in projections.
///
/// ```swift
/// let models = try ReadModels(path: "read-models.sqlite")
/// var filter = ExchangeFilter()
/// filter.unit = "biro-keuangan"
/// filter.overdueAsOf = "2026-12-31"
/// for x in try models.exchanges(filter) { print(x.id, x.provider, x.dueDate ?? "") }
/// ```
public struct ReadModels: Sendable {
    /// The database read.
    public let reader: any DatabaseReader

    /// The built-in projections: exchanges (with their timelines), units and keys, activity per
    /// unit per month, and audits; the exchanges' sealed content is opened for `reader`, if given.
    public static func builtIn(timeZone: ReadModelTimeZone = .wib, reader: SealedContentReader? = nil) -> [any Projection] {
        [ExchangesProjection(timeZone: timeZone, reader: reader), UnitsProjection(), ActivityProjection(timeZone: timeZone), AuditsProjection()]
    }

    /// Queries over an open database.
    public init(reader: any DatabaseReader) {
        self.reader = reader
    }

    /// Opens the file at `path` read-only.
    ///
    /// - Throws: ``ProjectionError`` with code ``ProjectionError/Code/database``.
    public init(path: String) throws(ProjectionError) {
        self.reader = try ReadModelDatabase.openReadOnly(path: path)
    }

    func read<T>(_ what: String, _ body: (Database) throws -> T) throws(ProjectionError) -> T {
        do { return try reader.read(body) } catch {
            throw ProjectionError(.query, "\(what) cannot be read: \(ProjectionError.explain(error))")
        }
    }

    /// The projections' checkpoints as stored (their lag needs the ledger: see
    /// ``ProjectionRunner/status()``); `logSize` is each one's position.
    ///
    /// - Throws: ``ProjectionError/Code/query``.
    public func checkpoints() throws(ProjectionError) -> [ProjectionStatus] {
        try read("the projections' checkpoints") { db in
            try Row.fetchAll(db, sql: "SELECT name, version, position FROM projections ORDER BY name").map { row throws in
                // A file anyone could have edited: a damaged row is an error, never a trap.
                guard let name = row["name"] as String?, let version = row["version"] as Int?,
                      let position = (row["position"] as Int64?).flatMap(UInt64.init(exactly:)) else {
                    throw ProjectionError(.query, "a row of the projections table is damaged (a name, version or position missing or negative)")
                }
                return ProjectionStatus(name: name, version: version, position: position, logSize: position)
            }
        }
    }

    // MARK: Exchanges

    /// The exchanges matching `filter`, by id.
    ///
    /// - Throws: ``ProjectionError/Code/query`` (also for a date that is not `YYYY-MM-DD`).
    public func exchanges(_ filter: ExchangeFilter = ExchangeFilter()) throws(ProjectionError) -> [ExchangeRecord] {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let status = filter.status {
            clauses.append("status = ?")
            arguments.append(status.rawValue)
        }
        if let unit = filter.unit {
            clauses.append("(requester = ? OR provider = ? OR EXISTS (SELECT 1 FROM json_each(exchanges.recipients) WHERE value = ?))")
            arguments += [unit, unit, unit]
        }
        if let asOf = filter.overdueAsOf {
            try Self.checkDate(asOf, "the as-of date")
            clauses.append("status IN ('requested', 'rejected') AND due_date < ?")
            arguments.append(asOf)
        }
        if let since = filter.since {
            try Self.checkDate(since, "the since date")
            // The day starts in the read models' zone (WIB), as every date they derive does.
            guard let start = ReadModelTimeZone.wib.start(ofDate: since) else {
                throw ProjectionError(.query, "the since date \(since) is not a date (YYYY-MM-DD)")
            }
            clauses.append("requested_at >= ?")
            arguments.append(start.rfc3339)
        }
        var sql = "SELECT * FROM exchanges"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY id"
        if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
        let args = StatementArguments(arguments)
        return try read("the exchanges") { db in
            try Row.fetchAll(db, sql: sql, arguments: args).map(ExchangeRecord.init(row:))
        }
    }

    /// The timeline of one exchange: its events in order.
    ///
    /// - Throws: ``ProjectionError/Code/query``.
    public func timeline(of exchange: String) throws(ProjectionError) -> [ExchangeEventRecord] {
        try read("the timeline of \(exchange)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM exchange_events WHERE exchange_id = ? ORDER BY seq", arguments: [exchange])
                .map(ExchangeEventRecord.init(row:))
        }
    }

    /// The number of exchanges per status.
    ///
    /// - Throws: ``ProjectionError/Code/query``.
    public func exchangeCounts() throws(ProjectionError) -> [String: Int] {
        try read("the exchange counts") { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM exchanges GROUP BY status") {
                counts[try row.decode(String?.self, forColumn: "status") ?? ""] = try row.decode(forColumn: "n")
            }
            return counts
        }
    }

    static func checkDate(_ text: String, _ what: String) throws(ProjectionError) {
        guard LedgerTime(rfc3339: text + "T00:00:00.000Z") != nil else {
            throw ProjectionError(.query, "\(what) must be a date YYYY-MM-DD, not \"\(text)\"")
        }
    }
}

/// Which exchanges ``ReadModels/exchanges(_:)`` returns; every criterion set must hold.
public struct ExchangeFilter: Hashable, Sendable {
    /// Only exchanges with this status.
    public var status: ExchangesProjection.Status?
    /// Only exchanges in which this unit takes part (requester, provider or recipient).
    public var unit: String?
    /// Only exchanges overdue on this date (`YYYY-MM-DD`): waiting for their provider with a due
    /// date before it.
    public var overdueAsOf: String?
    /// Only exchanges requested (appended) on or after this date (`YYYY-MM-DD`, in WIB like
    /// every date of the read models: from its 00:00 +07:00).
    public var since: String?
    /// At most this many.
    public var limit: Int?

    /// No criteria: every exchange.
    public init() {}
}

/// One row of `exchanges`.
public struct ExchangeRecord: Hashable, Sendable, Codable {
    /// The exchange's stream, e.g. `exchange/2026-0001`.
    public var id: String
    /// `request` or `distribution`.
    public var kind: String
    /// The unit that asked (for a distribution: the provider).
    public var requester: String
    /// The unit asked to provide (for a distribution: the distributing unit).
    public var provider: String
    /// A distribution's recipients.
    public var recipients: [String]?
    /// The units the content is sealed to (`nil` for clear content).
    public var sealedTo: [String]?
    /// Whether the content is sealed and this read model's reader cannot read it: ``title``
    /// (and the timeline's content) are `nil` then.
    public var sealed: Bool
    /// The data category.
    public var category: String?
    /// The title.
    public var title: String?
    /// `terbuka`, `terbatas` or `rahasia`.
    public var classification: String?
    /// The due date of a request (`YYYY-MM-DD`).
    public var dueDate: String?
    /// The status.
    public var status: String
    /// Whether it still awaits an answer.
    public var open: Bool
    /// Deliveries made.
    public var deliveries: Int
    /// Deliveries rejected.
    public var rejections: Int
    /// When the request (or distribution) was appended.
    public var requestedAt: String
    /// The request's own `time`.
    public var requestedTime: String
    /// When the last delivery was appended.
    public var deliveredAt: String?
    /// The last delivery's own `time`.
    public var deliveredTime: String?
    /// When the acknowledgement was appended.
    public var acknowledgedAt: String?
    /// The acknowledgement's own `time`.
    public var acknowledgedTime: String?
    /// When the closing event was appended.
    public var closedAt: String?
    /// The closing event's own `time`.
    public var closedTime: String?
    /// Acknowledged with the accepted delivery appended after the due date.
    public var late: Bool
    /// Overdue as of the read model's last entry (see the `ReadModels` article).
    public var overdue: Bool
    /// The log indexes of its events, in order.
    public var eventIndexes: [UInt64]

    init(row: Row) throws {
        id = try row.decode(forColumn: "id"); kind = try row.decode(forColumn: "kind"); requester = try row.decode(forColumn: "requester"); provider = try row.decode(forColumn: "provider")
        recipients = (try row.decode(String?.self, forColumn: "recipients")).map(Self.strings)
        sealedTo = (try row.decode(String?.self, forColumn: "sealed_to")).map(Self.strings); sealed = try row.decode(forColumn: "sealed")
        category = try row.decode(forColumn: "category"); title = try row.decode(forColumn: "title"); classification = try row.decode(forColumn: "classification")
        dueDate = try row.decode(forColumn: "due_date"); status = try row.decode(forColumn: "status"); open = try row.decode(forColumn: "open")
        deliveries = try row.decode(forColumn: "deliveries"); rejections = try row.decode(forColumn: "rejections")
        requestedAt = try row.decode(forColumn: "requested_at"); requestedTime = try row.decode(forColumn: "requested_time")
        deliveredAt = try row.decode(forColumn: "delivered_at"); deliveredTime = try row.decode(forColumn: "delivered_time")
        acknowledgedAt = try row.decode(forColumn: "acknowledged_at"); acknowledgedTime = try row.decode(forColumn: "acknowledged_time")
        closedAt = try row.decode(forColumn: "closed_at"); closedTime = try row.decode(forColumn: "closed_time")
        late = try row.decode(forColumn: "late"); overdue = try row.decode(forColumn: "overdue")
        eventIndexes = (try row.decode(String.self, forColumn: "event_indexes")).dropFirst().dropLast().split(separator: ",").compactMap { UInt64($0) }
    }

    static func strings(_ json: String) -> [String] {
        ((try? JSONParser.parse(Array(json.utf8)))?.arrayValue ?? []).compactMap(\.stringValue)
    }
}

/// One row of `exchange_events`: an event of an exchange's timeline.
public struct ExchangeEventRecord: Hashable, Sendable, Codable {
    /// The exchange.
    public var exchangeID: String
    /// 1 for the exchange's first event, then 2, 3, …
    public var seq: Int
    /// The entry's log index.
    public var logIndex: UInt64
    /// The event id.
    public var eventID: String
    /// The short type: `requested`, `delivered`, `acknowledged`, `rejected`, `withdrawn`, `declined`, `distributed`.
    public var type: String
    /// The publishing unit.
    public var source: String
    /// The event's own `time`.
    public var time: String
    /// The ledger's `appended` time.
    public var appendedAt: String
    /// The purpose, reason or note.
    public var detail: String?
    /// The items delivered or distributed (JSON text).
    public var items: String?
    /// The units the event's content is sealed to (`nil` for clear content).
    public var sealedTo: [String]?
    /// Whether the content is sealed and this read model's reader cannot read it.
    public var sealed: Bool

    init(row: Row) throws {
        exchangeID = try row.decode(forColumn: "exchange_id"); seq = try row.decode(forColumn: "seq"); logIndex = try storedIndex(row, "log_index")
        eventID = try row.decode(forColumn: "event_id"); type = try row.decode(forColumn: "type"); source = try row.decode(forColumn: "source"); time = try row.decode(forColumn: "time")
        appendedAt = try row.decode(forColumn: "appended_at"); detail = try row.decode(forColumn: "detail"); items = try row.decode(forColumn: "items")
        sealedTo = (try row.decode(String?.self, forColumn: "sealed_to")).map(ExchangeRecord.strings); sealed = try row.decode(forColumn: "sealed")
    }
}

// MARK: - Units, activity, audits

extension ReadModels {
    /// The registered units with their keys, by id.
    ///
    /// - Throws: ``ProjectionError/Code/query``.
    public func units() throws(ProjectionError) -> [UnitRecord] {
        try read("the units") { db in
            var keys: [ExactText: [UnitKeyRecord]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM unit_keys ORDER BY added_index") {
                let key = try UnitKeyRecord(row: row)
                keys[ExactText(key.unit), default: []].append(key)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM units ORDER BY id").map { row in
                let id: String = try row.decode(forColumn: "id")
                return UnitRecord(id: id, name: try row.decode(forColumn: "name"), role: try row.decode(forColumn: "role"),
                                  registeredIndex: try storedIndex(row, "registered_index"),
                                  registeredAt: try row.decode(forColumn: "registered_at"),
                                  activeKeys: try row.decode(forColumn: "active_keys"), keys: keys[ExactText(id)] ?? [])
            }
        }
    }

    /// The activity per unit and month, by unit then month; only `unit`'s if given.
    ///
    /// - Throws: ``ProjectionError/Code/query``.
    public func activity(unit: String? = nil) throws(ProjectionError) -> [ActivityRecord] {
        try read("the activity") { db in
            let sql = "SELECT * FROM activity" + (unit == nil ? "" : " WHERE unit = ?") + " ORDER BY unit, month"
            return try Row.fetchAll(db, sql: sql, arguments: unit.map { [$0] } ?? []).map(ActivityRecord.init(row:))
        }
    }

    /// The audits with their findings and follow-ups, by id.
    ///
    /// - Throws: ``ProjectionError/Code/query``.
    public func audits() throws(ProjectionError) -> [AuditRecord] {
        try read("the audits") { db in
            // Keyed by bytes, as SQLite keys the rows: two spellings of an audit or finding id
            // are two audits or findings.
            struct FindingKey: Hashable { let audit: ExactText; let finding: ExactText }
            var followUps: [FindingKey: [AuditFollowUpRecord]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_follow_ups ORDER BY log_index") {
                let f = try AuditFollowUpRecord(row: row)
                followUps[FindingKey(audit: ExactText(f.auditID), finding: ExactText(f.finding)), default: []].append(f)
            }
            var findings: [ExactText: [AuditFindingRecord]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_findings ORDER BY log_index") {
                var f = try AuditFindingRecord(row: row)
                f.followUps = followUps[FindingKey(audit: ExactText(f.auditID), finding: ExactText(f.finding))] ?? []
                findings[ExactText(f.auditID), default: []].append(f)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM audits ORDER BY id").map { row in
                var a = try AuditRecord(row: row)
                a.findings = findings[ExactText(a.id)] ?? []
                return a
            }
        }
    }
}

/// A registered unit (a row of `units`) with its keys.
public struct UnitRecord: Hashable, Sendable, Codable {
    /// The unit id.
    public var id: String
    /// The display name.
    public var name: String
    /// The role (`biro`, `inspektorat`, `pusdatin`, `kpu-provinsi`, `kpu-kabkota`, `external`).
    public var role: String
    /// The log index of its registration.
    public var registeredIndex: UInt64
    /// When its registration was appended.
    public var registeredAt: String
    /// How many of its keys are active.
    public var activeKeys: Int
    /// Its keys, in the order they were added.
    public var keys: [UnitKeyRecord]
}

/// A unit's key (a row of `unit_keys`).
public struct UnitKeyRecord: Hashable, Sendable, Codable {
    /// The key as a C2SP vkey.
    public var vkey: String
    /// `name+keyid`, as in DSSE signatures' `keyid`.
    public var keyID: String
    /// The unit.
    public var unit: String
    /// `active` or `revoked`.
    public var status: String
    /// The log index of the event that added it.
    public var addedIndex: UInt64
    /// When it was added.
    public var addedAt: String
    /// The log index of the event that revoked it.
    public var revokedIndex: UInt64?
    /// When it was revoked.
    public var revokedAt: String?
    /// Why it was revoked.
    public var revokeReason: String?

    init(row: Row) throws {
        vkey = try row.decode(forColumn: "vkey"); keyID = try row.decode(forColumn: "key_id"); unit = try row.decode(forColumn: "unit"); status = try row.decode(forColumn: "status")
        addedIndex = try storedIndex(row, "added_index"); addedAt = try row.decode(forColumn: "added_at")
        revokedIndex = (try row.decode(Int64?.self, forColumn: "revoked_index")).map { UInt64($0) }
        revokedAt = try row.decode(forColumn: "revoked_at"); revokeReason = try row.decode(forColumn: "revoke_reason")
    }
}

/// A unit's activity in one month (a row of `activity`).
public struct ActivityRecord: Hashable, Sendable, Codable {
    /// The unit.
    public var unit: String
    /// `YYYY-MM`.
    public var month: String
    /// The counts, by column name (`published`, `requests_made`, `requests_received`, …).
    public var counts: [String: Int]

    init(row: Row) throws {
        unit = try row.decode(forColumn: "unit"); month = try row.decode(forColumn: "month")
        var counts: [String: Int] = [:]
        for c in ActivityProjection.counters { counts[c] = try row.decode(forColumn: c) }
        self.counts = counts
    }
}

/// An audit (a row of `audits`) with its findings.
public struct AuditRecord: Hashable, Sendable, Codable {
    /// The audit's stream, e.g. `audit/2026-001`.
    public var id: String
    /// The Inspektorat unit that opened it.
    public var inspector: String
    /// The unit audited.
    public var auditedUnit: String
    /// The scope.
    public var scope: String?
    /// The period audited.
    public var periodStart: String?
    /// The period audited.
    public var periodEnd: String?
    /// `open` or `closed`.
    public var status: String
    /// When it was opened (appended).
    public var openedAt: String
    /// When it was closed (appended).
    public var closedAt: String?
    /// Findings recorded.
    public var findingCount: Int
    /// Findings without a follow-up.
    public var openFindings: Int
    /// Follow-ups recorded.
    public var followUpCount: Int
    /// The findings, in the order recorded.
    public var findings: [AuditFindingRecord] = []

    init(row: Row) throws {
        id = try row.decode(forColumn: "id"); inspector = try row.decode(forColumn: "inspector"); auditedUnit = try row.decode(forColumn: "audited_unit"); scope = try row.decode(forColumn: "scope")
        periodStart = try row.decode(forColumn: "period_start"); periodEnd = try row.decode(forColumn: "period_end"); status = try row.decode(forColumn: "status")
        openedAt = try row.decode(forColumn: "opened_at"); closedAt = try row.decode(forColumn: "closed_at")
        findingCount = try row.decode(forColumn: "findings"); openFindings = try row.decode(forColumn: "open_findings"); followUpCount = try row.decode(forColumn: "follow_ups")
    }
}

/// A finding of an audit (a row of `audit_findings`) with its follow-ups.
public struct AuditFindingRecord: Hashable, Sendable, Codable {
    /// The audit.
    public var auditID: String
    /// The finding's id, e.g. `F-01`.
    public var finding: String
    /// `rendah`, `sedang` or `tinggi`.
    public var severity: String?
    /// The recommendation.
    public var recommendation: String?
    /// `open` (no follow-up yet) or `followed-up`.
    public var status: String
    /// When it was recorded (appended).
    public var recordedAt: String
    /// Its follow-ups, in order.
    public var followUps: [AuditFollowUpRecord] = []

    init(row: Row) throws {
        auditID = try row.decode(forColumn: "audit_id"); finding = try row.decode(forColumn: "finding"); severity = try row.decode(forColumn: "severity")
        recommendation = try row.decode(forColumn: "recommendation"); status = try row.decode(forColumn: "status"); recordedAt = try row.decode(forColumn: "recorded_at")
    }
}

/// A follow-up of a finding (a row of `audit_follow_ups`).
public struct AuditFollowUpRecord: Hashable, Sendable, Codable {
    /// The audit.
    public var auditID: String
    /// The finding followed up.
    public var finding: String
    /// What the audited unit did.
    public var action: String?
    /// When it was recorded (appended).
    public var recordedAt: String
    /// Its log index.
    public var logIndex: UInt64

    init(row: Row) throws {
        auditID = try row.decode(forColumn: "audit_id"); finding = try row.decode(forColumn: "finding"); action = try row.decode(forColumn: "action")
        recordedAt = try row.decode(forColumn: "recorded_at"); logIndex = try storedIndex(row, "log_index")
    }
}

/// A log index stored in a read-model row, read without trapping on a damaged file (NULL or a
/// negative number reads as 0; `jejak inspect --db` reports the row itself).
func storedIndex(_ row: Row, _ column: String) throws -> UInt64 {
    (try row.decode(Int64?.self, forColumn: column)).flatMap(UInt64.init(exactly:)) ?? 0
}
