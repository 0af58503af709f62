#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRDB
import Jejak
import JejakBase

extension ErrorCode where Kind == ProjectionErrors {
    /// A replay was asked for a point past the end of the log.
    public static var replayRange: Self { Self("replayRange") }
    /// A replay's output file already exists (a replay always writes a new file).
    public static var replayTarget: Self { Self("replayTarget") }
}

/// What ``ReadModels/replay(_:until:into:projections:batchSize:)`` built.
public struct ReplaySummary: Hashable, Sendable {
    /// The point replayed: the number of entries applied (entries `0..<position`).
    public var position: UInt64
    /// The log's size when the replay ran.
    public var logSize: UInt64
    /// The `appended` time of the last entry applied (entry `position - 1`); `nil` for position 0.
    public var lastAppended: LedgerTime?
    /// The number of exchanges per status, as of ``position``.
    public var exchangeCounts: [String: Int]
    /// The number of registered units, as of ``position``.
    public var units: Int
    /// Each projection's name, version and position (all equal to ``position``).
    public var projections: [ProjectionStatus]

    /// A summary.
    public init(position: UInt64, logSize: UInt64, lastAppended: LedgerTime?, exchangeCounts: [String: Int],
                units: Int, projections: [ProjectionStatus]) {
        self.position = position
        self.logSize = logSize
        self.lastAppended = lastAppended
        self.exchangeCounts = exchangeCounts
        self.units = units
        self.projections = projections
    }
}

/// Time travel for the read models: building them as they stood at an earlier point of the log.
extension ReadModels {
    /// Builds the read models as they stood after the first `index` entries of `ledger` into a
    /// new SQLite file at `path`, and returns what it built.
    ///
    /// The file holds exactly what ``ProjectionRunner`` would have written had the log ended at
    /// `index`: the same rows, the same checkpoints (`projections` table), and derived values
    /// that depend on the log's time (overdue flags) judged as of entry `index - 1`. It is
    /// built under a temporary name beside `path` and linked into place only when complete,
    /// so `path` never holds a half-built file; an existing `path` is refused, never
    /// overwritten. Turn a time into an index with ``Jejak/Ledger/index(asOf:)``.
    ///
    /// ```swift
    /// let n = try ledger.index(asOf: LedgerTime(parsing: "2026-06-30T23:59:59.999+07:00")!)
    /// let summary = try await ReadModels.replay(ledger, until: n, into: "as-of-june.sqlite")
    /// print(summary.exchangeCounts["requested"] ?? 0, "requests open at the end of June")
    /// ```
    ///
    /// - Parameters:
    ///   - ledger: The ledger (read-only is enough).
    ///   - index: The number of entries to apply, at most the log's size.
    ///   - path: The new file.
    ///   - projections: The projections to build (default: the built-in ones).
    ///   - batchSize: The most entries applied per transaction.
    /// - Throws: ``ProjectionError`` with ``ProjectionError/Code/replayRange`` when `index` is
    ///   past the log's size, ``ProjectionError/Code/replayTarget`` when `path` exists,
    ///   ``ProjectionError/Code/database``, ``ProjectionError/Code/apply`` or
    ///   ``ProjectionError/Code/ledger`` when building fails (the temporary file is removed).
    public static func replay(_ ledger: Ledger, until index: UInt64, into path: String,
                              projections: [any Projection] = ReadModels.builtIn(),
                              batchSize: Int = 4096) async throws(ProjectionError) -> ReplaySummary {
        let size: UInt64
        do { size = try ledger.size() } catch {
            throw ProjectionError(.ledger, "the ledger's size cannot be read: \(ProjectionError.explain(error))")
        }
        guard index <= size else {
            throw ProjectionError(.replayRange, "the log holds \(size) entries; a replay until \(index) is past its end")
        }
        guard !exists(path) else {
            throw ProjectionError(.replayTarget, "\(path) already exists; a replay writes a new file")
        }
        var random = SystemRandomNumberGenerator()
        let temporary = path + ".replay-\(getpid())-\(random.next() % 1_000_000_000)"
        defer { removeDatabase(temporary) }

        let summary: ReplaySummary
        do {
            let database = try ReadModelDatabase.openForWriting(path: temporary, durability: .normal)
            var options = ProjectionRunner.Options()
            options.batchSize = batchSize
            let runner = try ProjectionRunner(ledger: ledger, database: database, projections: projections, options: options)
            let statuses = try await runner.catchUp(until: index)
            if let behind = statuses.first(where: { $0.position != index }) {
                throw ProjectionError(.apply, "the projection \(behind.name) stopped at \(behind.position), not \(index)")
            }
            var lastAppended: LedgerTime?
            if index > 0 {
                do { lastAppended = try ledger.entry(at: index - 1).appended } catch {
                    throw ProjectionError(.ledger, "entry \(index - 1) cannot be read: \(ProjectionError.explain(error))")
                }
            }
            let models = ReadModels(reader: database)
            let names = Set(projections.map(\.name))
            let counts = names.contains("exchanges") ? try models.exchangeCounts() : [:]
            let units = names.contains("units") ? try models.units().count : 0
            summary = ReplaySummary(position: index, logSize: size, lastAppended: lastAppended, exchangeCounts: counts,
                                    units: units, projections: statuses)
            do { try database.close() } catch {
                throw ProjectionError.database("the replayed read models could not be closed", error)
            }
        }
        // Into place without replacing anything that appeared meanwhile.
        guard link(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EEXIST {
                throw ProjectionError(.replayTarget, "\(path) already exists; a replay writes a new file")
            }
            throw ProjectionError(.database, "the replayed read models cannot be moved to \(path): \(reason)")
        }
        return summary
    }

    private static func exists(_ path: String) -> Bool {
        var s = stat()
        return lstat(path, &s) == 0
    }

    /// Removes a SQLite file with its WAL and shared-memory files, if present.
    private static func removeDatabase(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }
}
