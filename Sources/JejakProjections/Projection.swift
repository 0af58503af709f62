import GRDB
import Jejak

/// A read model derived from the log: a name, a version, its tables, and how one log entry
/// changes them.
///
/// The ``ProjectionRunner`` calls ``apply(_:in:)`` for every entry of the log in order, inside
/// a write transaction that also stores the projection's checkpoint, so each entry is applied
/// exactly once even across crashes. When ``version`` changes, the runner drops the tables
/// (``drop(in:)``), creates them again (``create(in:)``) and rebuilds them from the first entry.
///
/// ```swift
/// struct EventCount: Projection {
///     let name = "event-count"
///     let version = 1
///     func create(in db: Database) throws {
///         try db.execute(sql: "CREATE TABLE event_count (type TEXT PRIMARY KEY, n INTEGER NOT NULL)")
///     }
///     func drop(in db: Database) throws { try db.execute(sql: "DROP TABLE IF EXISTS event_count") }
///     func apply(_ entry: LogEntry, in db: Database) throws {
///         try db.execute(sql: "INSERT INTO event_count VALUES (?, 1) ON CONFLICT DO UPDATE SET n = n + 1",
///                        arguments: [entry.event.type])
///     }
/// }
/// ```
public protocol Projection: Sendable {
    /// What ``prepare(batch:)`` makes of a batch (`Never` for a projection that prepares
    /// nothing).
    associatedtype Prepared: Sendable = Never
    /// The projection's name, unique in a database (its checkpoint's key), e.g. `exchanges`.
    var name: String { get }
    /// The version of the projection's tables and logic. Changing it rebuilds the read model.
    var version: Int { get }
    /// Creates the projection's tables and indexes (in an empty state).
    func create(in db: Database) throws
    /// Drops the projection's tables and indexes, if they exist.
    func drop(in db: Database) throws
    /// Applies one log entry (ignoring entries it has no interest in).
    func apply(_ entry: LogEntry, in db: Database) throws
    /// Applies consecutive log entries, in order, with the same effect as applying each with
    /// ``apply(_:in:)``. The default does exactly that; a projection may instead fold the batch in
    /// memory and write each changed row once.
    func apply(batch entries: ArraySlice<LogEntry>, in db: Database) throws
    /// Called once per batch, after the batch's last entry, in the same transaction: for
    /// derived values that depend on the log's time rather than on one entry (e.g. overdue flags).
    func didApplyBatch(through entry: LogEntry, in db: Database) throws
    /// Work on a batch that needs no database — extracting and formatting the values of its rows
    /// — done before the batch's transaction, off the database's thread, so that while one batch
    /// is written the next is prepared. The runner hands the result to
    /// ``apply(batch:prepared:in:)``. The default prepares nothing (`nil`).
    ///
    /// The result covers `entries` whole; the runner may then apply only a suffix of them (a
    /// projection that is ahead of the others).
    func prepare(batch entries: ArraySlice<LogEntry>) -> Prepared?
    /// Applies consecutive log entries with what ``prepare(batch:)`` made of a batch that holds
    /// them (or `nil`). The default ignores `prepared` and calls ``apply(batch:in:)``.
    func apply(batch entries: ArraySlice<LogEntry>, prepared: Prepared?, in db: Database) throws
    /// Checks, when the runner opens a database holding this projection at its current version,
    /// that the stored tables suit this instance (e.g. were built for the same reader of sealed
    /// content). The default accepts them.
    func checkStored(in db: Database) throws
}

extension Projection {
    /// Applies each entry with ``apply(_:in:)``.
    public func apply(batch entries: ArraySlice<LogEntry>, in db: Database) throws {
        for entry in entries {
            do { try apply(entry, in: db) } catch {
                throw FailedEntry(index: entry.index, eventID: entry.event.id, underlying: error)
            }
        }
    }

    /// Does nothing.
    public func didApplyBatch(through entry: LogEntry, in db: Database) throws {}

    /// Accepts the stored tables.
    public func checkStored(in db: Database) throws {}

    /// Prepares nothing.
    public func prepare(batch entries: ArraySlice<LogEntry>) -> Prepared? { nil }

    /// Calls ``apply(batch:in:)``.
    public func apply(batch entries: ArraySlice<LogEntry>, prepared: Prepared?, in db: Database) throws {
        try apply(batch: entries, in: db)
    }

    /// ``prepare(batch:)`` for a runner that holds projections of every kind.
    func preparedAny(batch entries: ArraySlice<LogEntry>) -> (any Sendable)? {
        prepare(batch: entries)
    }

    /// ``apply(batch:prepared:in:)`` with what ``preparedAny(batch:)`` returned: the one place
    /// where a preparation gets its type back.
    func apply(batch entries: ArraySlice<LogEntry>, preparedAny: (any Sendable)?, in db: Database) throws {
        try apply(batch: entries, prepared: preparedAny as? Prepared, in: db)
    }
}

/// The time zone the read models use for calendar dates derived from `appended` times (due
/// dates, lateness, overdue flags, months of activity): a fixed offset from UTC.
///
/// The default is WIB (`+07:00`, Jakarta), where the commission's central units work.
public struct ReadModelTimeZone: Hashable, Sendable {
    /// Minutes east of UTC.
    public var offsetMinutes: Int

    /// A zone `offsetMinutes` east of UTC.
    public init(offsetMinutes: Int) {
        self.offsetMinutes = offsetMinutes
    }

    /// Western Indonesia Time, UTC+07:00.
    public static let wib = ReadModelTimeZone(offsetMinutes: 7 * 60)

    /// The calendar date (`YYYY-MM-DD`) of `time` in this zone.
    public func date(of time: LedgerTime) -> String {
        String(local(time).prefix(10))
    }

    /// The first instant of the calendar day `date` (`YYYY-MM-DD`) in this zone, or `nil` when
    /// `date` is not a date: `2026-06-01` in WIB is `2026-05-31T17:00:00.000Z`.
    public func start(ofDate date: String) -> LedgerTime? {
        guard let midnightUTC = LedgerTime(rfc3339: date + "T00:00:00.000Z") else { return nil }
        return LedgerTime(millisecondsSinceEpoch: midnightUTC.millisecondsSinceEpoch - Int64(offsetMinutes) * 60_000)
    }

    /// The month (`YYYY-MM`) of `time` in this zone.
    public func month(of time: LedgerTime) -> String {
        String(local(time).prefix(7))
    }

    private func local(_ time: LedgerTime) -> String {
        // Any time must format (near the ends of Int64, without the shift) rather than trap.
        let (shifted, overflow) = time.millisecondsSinceEpoch.addingReportingOverflow(Int64(offsetMinutes) * 60_000)
        return LedgerTime(millisecondsSinceEpoch: overflow ? time.millisecondsSinceEpoch : shifted).rfc3339
    }
}

/// An error of a projection at a given entry, so that the runner's error names it.
struct FailedEntry: Error {
    let index: UInt64
    let eventID: String
    let underlying: any Error
}
