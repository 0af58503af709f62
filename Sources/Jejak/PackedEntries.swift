import JejakBase
import JejakStorage
import JejakTlog

/// The log's leaves packed 256 to a record, in the c2sp.org/tlog-tiles entry-bundle format
/// (each leaf a big-endian uint16 length and its bytes): the store layout of format
/// `jejak-ledger/2`.
///
/// One leaf of about 1 KB per LMDB record fills a 4 KiB page with three leaves when a fourth
/// does not quite fit (1.3 to 1.4 KB of page per entry); 256 leaves in one record go to
/// consecutive overflow pages, wasting less than a page per bundle. The writer keeps the
/// entries of the bundle not yet full as one record each in `entries` (so that a single
/// append writes one leaf, not its whole bundle) and, in the commit that completes a bundle,
/// replaces them by the packed record in `bundles`. Reads look in `bundles` first. Leaves and
/// their hashes are unchanged: only where the bytes lie on disk differs.
enum PackedEntries {
    /// Leaves per bundle: a full entry tile's width.
    static let width = UInt64(Tile.fullWidth)

    /// The key of bundle `n` (entries `256n ..< 256(n+1)`).
    static func key(_ bundle: UInt64) -> [UInt8] { BigEndian.bytes(bundle) }

    /// The byte range of leaf `offset` (0–255) in the stored bundle `raw` (bundle number `bundle`).
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` when the bundle ends before that leaf.
    static func range(of offset: Int, in raw: UnsafeRawBufferPointer, bundle: UInt64) throws(LedgerError) -> Range<Int> {
        var position = 0
        for _ in 0..<offset { position = try leaf(at: position, in: raw, bundle: bundle).upperBound }
        return try leaf(at: position, in: raw, bundle: bundle)
    }

    /// Calls `body` with the index and bytes of each leaf of the stored bundle `raw`, in order,
    /// until it returns `false`.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore`` unless the bundle holds exactly 256
    ///   well-formed leaves; what `body` throws.
    static func forEach(in raw: UnsafeRawBufferPointer, bundle: UInt64,
                        _ body: (UInt64, UnsafeRawBufferPointer) throws -> Bool) throws {
        var position = 0
        for offset in 0..<width {
            let range = try leaf(at: position, in: raw, bundle: bundle)
            position = range.upperBound
            guard try body(bundle * width + offset, UnsafeRawBufferPointer(rebasing: raw[range])) else { return }
        }
        guard position == raw.count else { throw damaged(bundle) }
    }

    /// The bytes of the leaf whose length prefix starts at `position`.
    private static func leaf(at position: Int, in raw: UnsafeRawBufferPointer, bundle: UInt64) throws(LedgerError) -> Range<Int> {
        guard position + 2 <= raw.count else { throw damaged(bundle) }
        let length = Int(raw[position]) << 8 | Int(raw[position + 1])
        guard position + 2 + length <= raw.count else { throw damaged(bundle) }
        return (position + 2)..<(position + 2 + length)
    }

    private static func damaged(_ bundle: UInt64) -> LedgerError {
        LedgerError(.corruptStore, "the stored bundle of entries \(bundle * width)..<\((bundle + 1) * width) is damaged")
    }
}

extension LedgerStore {
    /// Runs `body` with the leaf of entry `index`, from its bundle or its own record; `nil`
    /// when the log holds no such entry.
    static func withLeaf<R>(_ txn: borrowing ReadTransaction, _ store: LedgerStore, _ index: UInt64,
                            _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        if let bundles = store.bundles {
            let bundle = index / PackedEntries.width
            let packed = try txn.withValue(bundles, key: PackedEntries.key(bundle)) { raw in
                let range = try PackedEntries.range(of: Int(index % PackedEntries.width), in: raw, bundle: bundle)
                return try body(UnsafeRawBufferPointer(rebasing: raw[range]))
            }
            if let packed { return packed }
        }
        return try txn.withValue(store.entries, key: BigEndian.bytes(index), body)
    }

    /// The leaf of entry `index`, copied, or `nil`.
    static func leaf(_ txn: borrowing ReadTransaction, _ store: LedgerStore, _ index: UInt64) throws -> [UInt8]? {
        try withLeaf(txn, store, index) { Array($0) }
    }

    /// The number of entries stored: those in bundles and those on their own.
    static func entryCount(_ txn: borrowing ReadTransaction, _ store: LedgerStore) throws -> Int {
        try txn.count(store.entries) + (try store.bundles.map { try txn.count($0) } ?? 0) * Int(PackedEntries.width)
    }

    /// The leaves of the bundled entries `[from, to)`, at most `limit`, in order.
    static func bundledLeaves(_ txn: borrowing ReadTransaction, _ store: LedgerStore, from: UInt64, to: UInt64,
                              limit: Int) throws -> [(index: UInt64, leaf: [UInt8])] {
        guard let bundles = store.bundles, from < to, limit > 0 else { return [] }
        var out: [(index: UInt64, leaf: [UInt8])] = []
        try txn.withCursor(bundles) { c in
            try c.scan(from: PackedEntries.key(from / PackedEntries.width)) { k, v in
                let bundle = try BigEndian.uint64(from: k)
                guard bundle < UInt64.max / PackedEntries.width, bundle * PackedEntries.width < to else { return false }
                var more = true
                try PackedEntries.forEach(in: v, bundle: bundle) { index, leaf in
                    if index < from { return true }
                    guard index < to, out.count < limit else { more = false; return false }
                    out.append((index, Array(leaf)))
                    return true
                }
                return more && out.count < limit
            }
        }
        return out
    }

    /// The writes of a commit that appends `leaves` from `firstIndex` on, in the packed layout:
    /// each bundle the commit completes as one record (its earlier entries read from their own
    /// records, which are deleted), the entries of the bundle left incomplete on their own.
    static func writePacked(_ txn: borrowing WriteTransaction, _ store: LedgerStore, bundles: Database,
                            leaves: [[UInt8]], firstIndex: UInt64) throws {
        let width = PackedEntries.width
        let end = firstIndex + UInt64(leaves.count)
        var bundle = firstIndex / width
        while (bundle + 1) * width <= end {
            let start = bundle * width
            // The bundle's entries committed earlier (none when it starts inside this commit).
            let earlier = start..<max(start, firstIndex)
            var members: [[UInt8]] = []
            members.reserveCapacity(Int(width))
            for index in earlier {
                guard let leaf = try txn.get(store.entries, key: BigEndian.bytes(index)) else {
                    throw LedgerError(.corruptStore, "entry \(index) is missing from the log")
                }
                members.append(leaf)
            }
            let from = Int(earlier.upperBound - firstIndex), upTo = Int((bundle + 1) * width - firstIndex)
            members += leaves[from..<upTo]
            let packed: [UInt8]
            do { packed = try Tiles.encodeEntryBundle(members) } catch {
                throw LedgerError(.corruptStore, "the entries \(start)..<\(start + width) do not fit an entry bundle: \(error.message)")
            }
            try txn.put(bundles, key: PackedEntries.key(bundle), value: packed, options: .append)
            for index in earlier { _ = try txn.delete(store.entries, key: BigEndian.bytes(index)) }
            bundle += 1
        }
        for index in max(bundle * width, firstIndex)..<end {
            try txn.put(store.entries, key: BigEndian.bytes(index), value: leaves[Int(index - firstIndex)], options: .append)
        }
    }
}
