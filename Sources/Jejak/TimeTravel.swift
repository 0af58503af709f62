import JejakStorage

/// Time travel: the log as it stood at an earlier point.
///
/// A point of the log is an entry index `n`: the state after the first `n` entries (those with
/// indexes `0..<n`). Because entries are only ever appended, and each entry's `appended` time is
/// no earlier than the one before it, a point can also be named by a time:
/// ``index(asOf:)`` turns a time into the number of entries appended at or before it.
///
/// ```swift
/// let endOfMarch = LedgerTime(parsing: "2026-03-31T23:59:59.999+07:00")!
/// let n = try ledger.index(asOf: endOfMarch)          // entries appended by then
/// let history = try ledger.stream("exchange/2026-000123", asOf: n)
/// for (version, entry) in history { print(version, entry.event.type) }
/// ```
extension Ledger {
    /// The events of stream `subject` whose entries come before `index` (entry index `< index`),
    /// with their 1-based stream versions, oldest first: the stream as it stood after the first
    /// `index` entries of the log.
    ///
    /// An `index` of 0 gives no events; an `index` at or past the log's size gives the whole
    /// stream as committed so far. A subject with no events gives an empty array.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` when an entry does not decode;
    ///   ``LedgerError/Code/storage``.
    public func stream(_ subject: String, asOf index: UInt64) throws(LedgerError) -> [(version: UInt64, entry: LogEntry)] {
        var out: [(version: UInt64, entry: LogEntry)] = []
        guard index > 0 else { return out }
        // Versions follow entry indexes, so the first version at or past `index` ends the stream.
        var from: UInt64 = 1
        let page = 1024
        while true {
            let indexes = try store.streamIndexes(subject, fromVersion: from, limit: page)
            for (version, i) in indexes {
                guard i < index else { return out }
                out.append((version, try entry(at: i)))
            }
            guard indexes.count == page, let last = indexes.last else { return out }
            from = last.version + 1
        }
    }

    /// The number of entries appended at or before `time`: the index of the first entry
    /// appended after it, or the log's size if there is none.
    ///
    /// Entries' `appended` times never decrease, so this is a binary search (about log₂ n entry
    /// reads, in one snapshot). Several entries may share a time (one commit stamps all its
    /// entries alike); all of them count. A time before the first entry gives 0.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` when a probed entry is not a leaf;
    ///   ``LedgerError/Code/storage``.
    public func index(asOf time: LedgerTime) throws(LedgerError) -> UInt64 {
        let store = self.store
        return try store.read { txn in
            var low: UInt64 = 0
            var high = try LedgerStore.size(txn, store)
            // Invariant: entries before `low` were appended at or before `time`, entries from
            // `high` on after it.
            while low < high {
                let mid = low + (high - low) / 2
                let appended = try LedgerStore.withLeaf(txn, store, mid) { leaf in
                    try Leaf.appendedTime(leaf)
                }
                guard let appended else {
                    throw LedgerError(.corruptStore, "entry \(mid) is missing from the log")
                }
                if appended <= time { low = mid + 1 } else { high = mid }
            }
            return low
        }
    }
}
