import Foundation
import Jejak
import JejakModel
import JejakTlog

/// What projections are built from: a log's entries in order, by index. A ``Jejak/Ledger`` is
/// one; so is an export or a mirror's copy of the log (``ExportSource``), so that a region
/// projects from its mirror while the centre is unreachable.
public protocol LogSource: Sendable {
    /// The log's origin (a read-model file holds one log's tables).
    var origin: String { get }
    /// The number of entries.
    ///
    /// - Throws: ``LedgerError`` when it can't be read.
    func size() throws(LedgerError) -> UInt64
    /// The entry at `index`.
    ///
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/notFound`` beyond the log.
    func entry(at index: UInt64) throws(LedgerError) -> LogEntry
    /// The entries from `from` up to `to` (excluded), at most `limit` of them.
    ///
    /// - Throws: ``LedgerError`` when they can't be read.
    func entries(from: UInt64, to: UInt64, limit: Int) throws(LedgerError) -> [LogEntry]
}

extension Ledger: LogSource {}

/// The entries of a C2SP tlog-tiles directory up to a checkpoint's size: an export (`jejak
/// export`), a followed copy (`jejak export --from`, `--follow`), or a mirror's copy of a log
/// (`STATE/logs/<hash>` of `jejak mirror serve`).
///
/// It checks nothing but the shape of what it reads: verify the directory first (``size`` is
/// then the verified checkpoint's size, and the tiles below it never change), as `jejak project
/// --export` does with the offline verifier.
///
/// ```swift
/// let report = try ExportVerifier(directory: dir, policy: policy, authority: authority, validator: validator).verify()
/// let source = ExportSource(directory: dir, origin: origin, size: report.auditedTo)
/// let runner = try ProjectionRunner(source: source, database: db, projections: ReadModels.builtIn())
/// ```
public struct ExportSource: LogSource {
    /// The tiles directory.
    public let directory: String
    /// The log's origin.
    public let origin: String
    private let treeSize: UInt64
    private let log: TiledLog

    /// The first `size` entries of the log `origin` in `directory`.
    public init(directory: String, origin: String, size: UInt64) {
        self.directory = directory
        self.origin = origin
        self.treeSize = size
        self.log = TiledLog(directory: directory)
    }

    /// The size given.
    public func size() throws(LedgerError) -> UInt64 { treeSize }

    /// The entry at `index`, from its bundle.
    ///
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/notFound`` beyond the size or when its
    ///   bundle is missing or damaged.
    public func entry(at index: UInt64) throws(LedgerError) -> LogEntry {
        guard let entry = try entries(from: index, to: index + 1, limit: 1).first else {
            throw LedgerError(.notFound, "entry \(index) is beyond the export's size \(treeSize)")
        }
        return entry
    }

    /// The entries from `from` up to `to` (and the size), at most `limit`, decoded from their bundles.
    ///
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/notFound`` when a bundle is missing or
    ///   damaged, or an entry is not a leaf.
    public func entries(from: UInt64, to: UInt64, limit: Int) throws(LedgerError) -> [LogEntry] {
        let end = min(to, treeSize, from + UInt64(max(0, limit)))
        guard from < end else { return [] }
        let leaves: [[UInt8]]
        do { leaves = try log.entries(from: from, to: end, treeSize: treeSize) } catch {
            throw LedgerError(.notFound, "entries \(from)..<\(end) cannot be read from \(directory): \(error.message)")
        }
        var out: [LogEntry] = []
        out.reserveCapacity(leaves.count)
        for (k, leaf) in leaves.enumerated() {
            out.append(try LogEntry(index: from + UInt64(k), leaf: leaf))
        }
        return out
    }
}
