import JejakCrypto
import JejakStorage
import JejakTlog

/// A record of one of the ledger's derived indexes (`ids`, `streams`), as stored.
package enum IndexRecord: Hashable, Sendable {
    /// No record under that key.
    case missing
    /// A record that is not an 8-byte big-endian index.
    case damaged
    /// The entry index the record points to.
    case entry(UInt64)
}

/// The number of records in each of the ledger's LMDB databases, counted in one snapshot.
package struct StoredCounts: Hashable, Sendable {
    /// Entries (the log's size).
    package var entries: Int
    /// Stored Merkle nodes (all levels).
    package var nodes: Int
    /// `ids` records (one per event).
    package var ids: Int
    /// `streams` records (one per event).
    package var streams: Int
    /// Stored checkpoints.
    package var checkpoints: Int
}

/// Reading the ledger's stored records as they are, without decoding or trusting them: what an
/// integrity audit compares with the log. Each call reads in one consistent LMDB snapshot. Only
/// the raw leaves are public; the derived records are the inspector's business (`package`).
extension Ledger {
    /// The leaf bytes of the entries `[from, to)` (clamped to the log), at most `limit`, not
    /// decoded.
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    public func leaves(from: UInt64, to: UInt64 = .max, limit: Int = 4096) throws(LedgerError) -> [(index: UInt64, leaf: [UInt8])] {
        try store.leaves(from: from, to: to, limit: limit)
    }


    /// The stored Merkle nodes at the given coordinates (`nil`: missing or not 32 bytes), read
    /// from the store itself, never from a cache.
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    package func storedNodes(_ coordinates: [(level: Int, index: UInt64)]) throws(LedgerError) -> [SHA256Digest?] {
        try store.read { txn in
            try coordinates.map { c in
                try txn.withValue(store.nodes, key: store.nodeKey(level: c.level, index: c.index)) {
                    try? SHA256Digest(raw: $0)
                } ?? nil
            }
        }
    }

    /// The `ids` index records of the given event ids.
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    package func storedIDRecords(_ ids: [String]) throws(LedgerError) -> [IndexRecord] {
        try store.read { txn in
            try ids.map { id in
                guard !id.isEmpty else { return .missing }
                return Self.indexRecord(try txn.get(store.ids, key: Array(id.utf8)))
            }
        }
    }

    /// The `streams` index records of the given (subject, 1-based version) pairs.
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    package func storedStreamRecords(_ keys: [(subject: String, version: UInt64)]) throws(LedgerError) -> [IndexRecord] {
        try store.read { txn in
            try keys.map { k in
                Self.indexRecord(try txn.get(store.streams, key: LedgerStore.streamKey(k.subject, version: k.version)))
            }
        }
    }

    /// The text of the stored checkpoint of tree size `size`, unparsed, or `nil`.
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    package func storedCheckpointText(size: UInt64) throws(LedgerError) -> String? {
        try store.checkpointText(size: size)
    }

    /// The number of records in each database, in one snapshot.
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    package func storedCounts() throws(LedgerError) -> StoredCounts {
        try store.read { txn in
            StoredCounts(entries: try LedgerStore.entryCount(txn, store), nodes: try txn.count(store.nodes),
                         ids: try txn.count(store.ids), streams: try txn.count(store.streams),
                         checkpoints: try txn.count(store.checkpoints))
        }
    }

    /// The registry as stored in the derived `registry` records (not replayed from the log).
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` when a record is damaged.
    package func storedRegistry() throws(LedgerError) -> Registry {
        try store.loadRegistry(authority: authority)
    }

    private static func indexRecord(_ raw: [UInt8]?) -> IndexRecord {
        guard let raw else { return .missing }
        guard raw.count == 8, let i = try? BigEndian.uint64(from: raw) else { return .damaged }
        return .entry(i)
    }
}
