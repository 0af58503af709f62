import CSQLiteSetup
import GRDB

/// Opens the SQLite file of the read models.
///
/// The file is in WAL mode, so auditors may open it read-only with their own SQL tools while a
/// worker keeps it up to date; see the `ReadModels` article for its tables.
public enum ReadModelDatabase {
    /// How much the worker waits for the disk on each commit.
    public enum Durability: Sendable {
        /// `synchronous = NORMAL` (the default): a commit may be lost on power failure but the
        /// file stays consistent, and rows and checkpoints stay together; the lost batch is
        /// applied again from the log.
        case normal
        /// `synchronous = FULL`: every commit reaches the disk.
        case full
        /// `synchronous = OFF`: for throwaway files and benchmarks.
        case off
    }

    /// Sets SQLite up, process-wide, for connections that are each used by one thread at a time,
    /// as GRDB uses them: no mutex around every call on a connection and no memory statistics
    /// (whose global mutex every allocation takes). A catch-up makes tens of SQLite calls per
    /// event, so this is worth a few percent of its time.
    ///
    /// Call it first thing, before any SQLite connection of the process opens (the `jejak` tool
    /// does); later it changes nothing and returns `false`. Do not call it in a process that
    /// shares a connection between threads without GRDB.
    ///
    /// - Returns: Whether SQLite took the settings.
    @discardableResult
    public static func configureProcessForSerializedConnections() -> Bool {
        jejak_sqlite_configure_for_serialized_connections() == 0
    }

    /// Opens (creating if needed) the read-model file at `path` for writing.
    ///
    /// - Throws: ``ProjectionError`` with code ``ProjectionError/Code/database``.
    public static func openForWriting(path: String, durability: Durability = .normal) throws(ProjectionError) -> DatabaseQueue {
        var config = Configuration()
        config.label = "jejak.read-models"
        config.prepareDatabase { db in
            // 8 KiB pages for a new file (a catch-up of 1,000,000 events ran about 8% faster than
            // with 4 KiB: fewer levels and fewer pages written per commit); an existing file keeps
            // its own page size.
            try db.execute(sql: "PRAGMA page_size = 8192")
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            // A catch-up touches index pages all over the file: keep up to 64 MiB of them cached.
            try db.execute(sql: "PRAGMA cache_size = -65536")
            switch durability {
            case .normal: try db.execute(sql: "PRAGMA synchronous = NORMAL")
            case .full: try db.execute(sql: "PRAGMA synchronous = FULL")
            case .off: try db.execute(sql: "PRAGMA synchronous = OFF")
            }
        }
        do { return try DatabaseQueue(path: path, configuration: config) } catch {
            throw ProjectionError.database("the read models \(path) cannot be opened", error)
        }
    }

    /// Opens the read-model file at `path` read-only.
    ///
    /// - Throws: ``ProjectionError`` with code ``ProjectionError/Code/database`` (e.g. no such file).
    public static func openReadOnly(path: String) throws(ProjectionError) -> DatabaseQueue {
        var config = Configuration()
        config.readonly = true
        config.label = "jejak.read-models.reader"
        do { return try DatabaseQueue(path: path, configuration: config) } catch {
            throw ProjectionError.database("the read models \(path) cannot be opened read-only", error)
        }
    }
}
