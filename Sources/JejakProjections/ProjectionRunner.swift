import Dispatch
import GRDB
import Jejak
import JejakBase
import Logging
import ServiceLifecycle
import Synchronization

/// Where a projection stands: its checkpoint and how far it is behind the log.
public struct ProjectionStatus: Hashable, Sendable, Codable {
    /// The projection's name.
    public var name: String
    /// The projection's version.
    public var version: Int
    /// The number of log entries applied: the index of the next entry to apply.
    public var position: UInt64
    /// The log's size when the status was taken.
    public var logSize: UInt64
    /// Entries behind the log: `logSize - position`.
    public var lag: UInt64 { logSize > position ? logSize - position : 0 }

    /// A status.
    public init(name: String, version: Int, position: UInt64, logSize: UInt64) {
        self.name = name
        self.version = version
        self.position = position
        self.logSize = logSize
    }
}

/// Runs projections over a ledger into one SQLite file: catches up from each projection's
/// checkpoint in batches, then follows new commits live.
///
/// Each batch is one SQLite transaction holding the rows of every projection and their
/// checkpoints (table `projections`), so an entry is applied exactly once: a crash or an error in
/// the middle of a batch rolls the whole batch back, and the next run starts again after the
/// last committed batch. A projection whose stored version differs from its ``Projection/version``
/// is dropped and rebuilt from the first entry; the others keep their positions.
///
/// Each checkpoint also keeps the leaf hash of the last entry applied; a file whose entry does not
/// match the ledger's (a file built from another history, e.g. of a re-created ledger of the same
/// origin) is refused rather than continued.
///
/// The runner is a swift-service-lifecycle `Service`: ``run()`` catches up, then follows the log
/// until the task is cancelled or the service group shuts down gracefully (SIGINT, SIGTERM),
/// finishing the batch in hand first.
///
/// ```swift
/// let db = try ReadModelDatabase.openForWriting(path: "read-models.sqlite")
/// let runner = try ProjectionRunner(ledger: ledger, database: db, projections: ReadModels.builtIn())
/// let group = ServiceGroup(configuration: .init(services: [runner], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
/// try await group.run()
/// ```
public final class ProjectionRunner: Service, Sendable {
    /// How the runner works.
    public struct Options: Sendable {
        /// The most entries applied in one transaction.
        public var batchSize = 4096
        /// How many batches a catch-up reads and decodes ahead of the one being applied (at
        /// least 1): enough to keep decoding while SQLite waits for the disk. Each holds up to
        /// ``batchSize`` decoded entries in memory.
        public var readAhead = 4
        /// The logger.
        public var logger = Logger(label: "jejak.projections")
        /// Called after each committed batch with the projections' statuses.
        public var progress: (@Sendable ([ProjectionStatus]) -> Void)?

        /// How often ``follow()`` looks for new entries in a source that is not a ledger.
        public var pollInterval: Duration = .seconds(1)
        /// The defaults: batches of 4,096 entries, four read ahead.
        public init() {}
    }

    /// The log read: a ledger, or an export or mirror copy (``ExportSource``).
    public let source: any LogSource
    /// The read-model database written.
    public let database: any DatabaseWriter
    /// The projections, in the order they apply each entry.
    public let projections: [any Projection]
    /// The options.
    public let options: Options

    private let positions: Mutex<[UInt64]>

    /// Prepares the runner: creates the checkpoint table, creates the tables of new projections,
    /// rebuilds those whose version changed, and loads every checkpoint.
    ///
    /// - Throws: ``ProjectionError`` with ``ProjectionError/Code/configuration`` (repeated or
    ///   empty names), ``ProjectionError/Code/wrongLedger`` (the file was built from another log),
    ///   ``ProjectionError/Code/database``.
    public convenience init(ledger: Ledger, database: any DatabaseWriter, projections: [any Projection],
                options: Options = Options()) throws(ProjectionError) {
        try self.init(source: ledger, database: database, projections: projections, options: options)
    }

    /// Prepares a runner over any log source, such as a verified export or a mirror's copy
    /// (``ExportSource``); see ``init(ledger:database:projections:options:)``. Following a source
    /// that is not a ledger polls its size (``Options/pollInterval``).
    ///
    /// - Throws: as ``init(ledger:database:projections:options:)``.
    public init(source: any LogSource, database: any DatabaseWriter, projections: [any Projection],
                options: Options = Options()) throws(ProjectionError) {
        var names: Set<String> = []
        for p in projections {
            guard !p.name.isEmpty, names.insert(p.name).inserted else {
                throw ProjectionError(.configuration, "projection names must be non-empty and unique; \"\(p.name)\" is not")
            }
        }
        self.source = source
        self.database = database
        self.projections = projections
        self.options = options
        let size: UInt64
        do { size = try source.size() } catch {
            throw ProjectionError(.ledger, "the ledger's size cannot be read: \(ProjectionError.explain(error))")
        }
        let origin = source.origin
        let logger = options.logger
        let loaded: [UInt64]
        do {
            loaded = try database.write { db throws -> [UInt64] in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS ledger (origin TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS projections (
                        name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL,
                        position INTEGER NOT NULL, last_index INTEGER, last_appended TEXT,
                        rebuilt_at TEXT, last_leaf_hash TEXT)
                    """)
                if try !db.columns(in: "projections").contains(where: { $0.name == "last_leaf_hash" }) {
                    try db.execute(sql: "ALTER TABLE projections ADD COLUMN last_leaf_hash TEXT")
                }
                if let stored = try String.fetchOne(db, sql: "SELECT origin FROM ledger") {
                    guard stored.sameBytes(as: origin) else {
                        throw ProjectionError(.wrongLedger, "the read models were built from the log \(stored), not \(origin)")
                    }
                } else {
                    try db.execute(sql: "INSERT INTO ledger (origin) VALUES (?)", arguments: [origin])
                }
                var positions: [UInt64] = []
                for p in projections {
                    let row = try Row.fetchOne(db, sql: "SELECT version, position, last_leaf_hash FROM projections WHERE name = ?",
                                               arguments: [p.name])
                    if let row, row["version"] as Int? == p.version {
                        try p.checkStored(in: db)
                        guard let position = (row["position"] as Int64?).flatMap(UInt64.init(exactly:)) else {
                            throw ProjectionError(.wrongLedger, "the stored position of the projection \(p.name) is damaged (missing or negative)")
                        }
                        guard position <= size else {
                            throw ProjectionError(.wrongLedger,
                                                  "the projection \(p.name) has applied \(position) entries but the log holds \(size): the log was truncated, or this copy of it is behind the one the file was built from (project again once it has caught up)")
                        }
                        if position > 0, let stored: String = row["last_leaf_hash"] {
                            let actual: String
                            do { actual = try source.entry(at: position - 1).leafHash.hex } catch {
                                throw ProjectionError(.ledger, "entry \(position - 1) cannot be read: \(ProjectionError.explain(error))")
                            }
                            guard actual == stored else {
                                throw ProjectionError(.wrongLedger,
                                                      "the projection \(p.name) was built from another history: entry \(position - 1) of this log has another leaf hash")
                            }
                        }
                        positions.append(position)
                        continue
                    }
                    if let row {
                        logger.notice("rebuilding projection \(p.name): version \((row["version"] as Int?).map(String.init) ?? "?") → \(p.version)")
                    }
                    try p.drop(in: db)
                    try p.create(in: db)
                    try db.execute(sql: """
                        INSERT INTO projections (name, version, position, last_index, last_appended, rebuilt_at)
                        VALUES (?, ?, 0, NULL, NULL, ?)
                        ON CONFLICT (name) DO UPDATE SET version = excluded.version, position = 0,
                            last_index = NULL, last_appended = NULL, rebuilt_at = excluded.rebuilt_at, last_leaf_hash = NULL
                        """, arguments: [p.name, p.version, LedgerTime.now().rfc3339])
                    positions.append(0)
                }
                return positions
            }
        } catch let error as ProjectionError {
            throw error
        } catch {
            throw ProjectionError.database("the projections cannot be set up", error)
        }
        positions = Mutex(loaded)
    }

    /// The projections' checkpoints and lags against the log's current size.
    ///
    /// - Throws: ``ProjectionError/Code/ledger`` when the log's size cannot be read.
    public func status() throws(ProjectionError) -> [ProjectionStatus] {
        let size: UInt64
        do { size = try source.size() } catch {
            throw ProjectionError(.ledger, "the ledger's size cannot be read: \(ProjectionError.explain(error))")
        }
        return status(logSize: size)
    }

    private func status(logSize: UInt64) -> [ProjectionStatus] {
        let current = positions.withLock { $0 }
        return zip(projections, current).map {
            ProjectionStatus(name: $0.name, version: $0.version, position: $1, logSize: logSize)
        }
    }

    /// Applies every entry committed so far (the log's size when called), or the entries before
    /// `limit` only, in batches, and returns the statuses.
    ///
    /// With a `limit`, the read models show the state as of entry `limit` (time travel: `jejak
    /// replay --until`), and an integrity audit rebuilds read models up to a live database's own
    /// position. Projections already past `limit` stay where they are.
    ///
    /// - Throws: ``ProjectionError`` (``ProjectionError/Code/apply`` naming the projection and
    ///   entry; the failed batch is rolled back, earlier batches stay).
    @discardableResult
    public func catchUp(until limit: UInt64? = nil) async throws(ProjectionError) -> [ProjectionStatus] {
        let size: UInt64
        do { size = try source.size() } catch {
            throw ProjectionError(.ledger, "the ledger's size cannot be read: \(ProjectionError.explain(error))")
        }
        let target = min(size, limit ?? size)
        let source = self.source, batchSize = options.batchSize, readAhead = max(1, options.readAhead)
        var from = positions.withLock { $0.min() ?? target }
        // Read (and decode) the next batches while the current one is applied, so that the
        // readers keep working while SQLite waits for the disk (a WAL checkpoint's fsync).
        let projections = self.projections, readPositions = positions.withLock { $0 }
        func read(_ start: UInt64) -> Task<PreparedBatch, any Error>? {
            guard start < target, !Task.isCancelled else { return nil }
            return Task.detached {
                // On a Dispatch thread rather than the cooperative pool (one thread per core): a
                // batch takes tens of milliseconds to decode, and would otherwise hold up the
                // task that hands the previous batch to SQLite. At utility priority (nice +2 on
                // Linux), below GRDB's writer (userInitiated, nice -2), so that the transaction,
                // the pipeline's critical path, keeps a core while the next batches are decoded.
                try await withCheckedThrowingContinuation { continuation in
                    DispatchQueue.global(qos: .utility).async {
                        continuation.resume(with: Result {
                            let entries = try source.entries(from: start, to: target, limit: batchSize)
                            return PreparedBatch(entries, projections: projections, positions: readPositions)
                        })
                    }
                }
            }
        }
        var pending: [Task<PreparedBatch, any Error>] = []
        var requested = from
        func readMore() {
            while pending.count < readAhead, let task = read(requested) {
                pending.append(task)
                requested = min(target, requested + UInt64(batchSize))
            }
        }
        defer { for task in pending { task.cancel() } }
        readMore()
        while !pending.isEmpty {
            let batch: PreparedBatch
            do { batch = try await pending.removeFirst().value } catch {
                throw ProjectionError(.ledger, "entries from \(from) cannot be read: \(ProjectionError.explain(error))")
            }
            guard let last = batch.entries.last, batch.entries.first?.index == from else {
                throw ProjectionError(.ledger, "the entries read from \(from) are not the ones asked for")
            }
            from = last.index + 1
            readMore()
            try await apply(batch, logSize: target)
            // Freeing a batch (thousands of decoded entries) takes milliseconds: on another
            // thread, so that the next batch's transaction does not wait for it.
            Self.free(consume batch)
        }
        return status(logSize: target)
    }

    /// Catches up, then applies each new commit as it lands, until the task is cancelled or the
    /// service group shuts down gracefully. The batch in hand is committed before returning.
    ///
    /// - Throws: ``ProjectionError`` when the log cannot be read or a projection fails.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await self.follow()
        }
    }

    /// The body of ``run()``, without the graceful-shutdown hook: returns when the task is cancelled.
    ///
    /// - Throws: ``ProjectionError`` when the log cannot be read or a projection fails.
    public func follow() async throws(ProjectionError) {
        try await catchUp()
        let logger = options.logger
        for s in status(logSize: (try? source.size()) ?? 0) {
            logger.info("projection \(s.name) v\(s.version) caught up at \(s.position)")
        }
        guard let ledger = source as? Ledger else {
            // A source with no commit notifications: its size, every poll interval.
            while !Task.isCancelled {
                do { try await Task.sleep(for: options.pollInterval) } catch { return }
                try await catchUp()
            }
            return
        }
        let start = positions.withLock { $0.min() ?? 0 }
        var iterator = ledger.subscribe(from: start).makeAsyncIterator()
        var batch: [LogEntry] = []
        var knownSize: UInt64 = 0
        while true {
            let entry: LogEntry?
            do { entry = try await iterator.next() } catch {
                throw ProjectionError(.ledger, "the log cannot be followed: \(ProjectionError.explain(error))")
            }
            guard let entry else { break }
            batch.append(entry)
            if entry.index + 1 >= knownSize {
                do { knownSize = try ledger.size() } catch {
                    throw ProjectionError(.ledger, "the ledger's size cannot be read: \(ProjectionError.explain(error))")
                }
            }
            if batch.count >= options.batchSize || entry.index + 1 >= knownSize {
                try await apply(prepare(batch), logSize: max(knownSize, entry.index + 1))
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty, let last = batch.last {
            try await apply(prepare(batch), logSize: last.index + 1)
        }
    }

    /// Drops `batch` on a Dispatch thread, at the priority of decoding (a lower one could let
    /// spent batches pile up in a busy process).
    private static func free(_ batch: consuming PreparedBatch) {
        let spent = batch
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(spent) {} }
    }

    /// A batch of consecutive entries with what each projection prepared of it.
    private struct PreparedBatch: Sendable {
        var entries: [LogEntry]
        /// By projection, in the order of ``ProjectionRunner/projections``.
        var prepared: [(any Sendable)?]

        /// Lets each projection prepare the part of `entries` it will apply: from its position
        /// on (positions only grow, so a projection never applies less than that); nothing for
        /// one already past the batch.
        init(_ entries: [LogEntry], projections: [any Projection], positions: [UInt64]) {
            self.entries = entries
            let first = entries.first?.index ?? 0, end = first + UInt64(entries.count)
            prepared = zip(projections, positions).map { p, position in
                position < end ? p.preparedAny(batch: entries[Int(max(position, first) - first)...]) : nil
            }
        }
    }

    private func prepare(_ entries: [LogEntry]) -> PreparedBatch {
        PreparedBatch(entries, projections: projections, positions: positions.withLock { $0 })
    }

    /// Applies `batch` (consecutive entries) to every projection that has not seen them, and
    /// moves their checkpoints, in one transaction.
    private func apply(_ prepared: PreparedBatch, logSize: UInt64) async throws(ProjectionError) {
        let batch = prepared.entries
        guard let first = batch.first, let last = batch.last else { return }
        guard last.index - first.index + 1 == UInt64(batch.count) else {
            throw ProjectionError(.ledger, "the entries read from \(first.index) are not consecutive")
        }
        let before = positions.withLock { $0 }
        let projections = self.projections
        let after: [UInt64]
        do {
            after = try await database.write { db throws -> [UInt64] in
                var after = before
                for (k, p) in projections.enumerated() where after[k] >= first.index && after[k] <= last.index {
                    let slice = batch[Int(after[k] - first.index)...]
                    do { try p.apply(batch: slice, preparedAny: prepared.prepared[k], in: db) } catch {
                        let failed = (error as? FailedEntry).map { " at entry \($0.index) (event \($0.eventID))" } ?? ""
                        let cause = (error as? FailedEntry)?.underlying ?? error
                        throw ProjectionError(.apply, "the projection \(p.name) failed\(failed) in the batch \(slice.startIndex + Int(first.index))–\(last.index): \(ProjectionError.explain(cause))")
                    }
                    after[k] = last.index + 1
                }
                let updated = try db.cachedStatement(sql: """
                    UPDATE projections SET position = ?, last_index = ?, last_appended = ?, last_leaf_hash = ? WHERE name = ?
                    """)
                let leafHash = last.leafHash.hex
                for (k, p) in projections.enumerated() where after[k] != before[k] {
                    do { try p.didApplyBatch(through: last, in: db) } catch {
                        throw ProjectionError(.apply, "the projection \(p.name) failed after entry \(last.index): \(ProjectionError.explain(error))")
                    }
                    try updated.execute(arguments: [Int64(after[k]), Int64(last.index), last.appended.rfc3339, leafHash, p.name])
                }
                return after
            }
        } catch let error as ProjectionError {
            throw error
        } catch {
            throw ProjectionError.database("the batch of entries \(first.index)–\(last.index) was not written", error)
        }
        positions.withLock { $0 = after }
        options.progress?(status(logSize: logSize))
    }
}
