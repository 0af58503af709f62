import JejakBase
import JejakCrypto
import JejakTlog

/// Reading the live log as C2SP tlog-tiles resources (c2sp.org/tlog-tiles), for a server that
/// serves the tiles straight from the store instead of from an export directory.
extension Ledger {
    /// The bytes of `tile` in the log as it is now: the hashes of a hash tile (32 bytes each,
    /// from the stored Merkle nodes) or the length-prefixed entries of an entry bundle.
    ///
    /// A tile of width `W` is there once the log holds the first `W` hashes (or entries) it
    /// covers; since the log only grows, its bytes never change from then on. That is every
    /// tile the spec requires (the full tiles and the partial tiles of every signed size) and
    /// more: the partial tiles of any size up to the current one.
    ///
    /// ```swift
    /// let bytes = try ledger.tileData(try Tile(path: "tile/0/000.p/7"))
    /// ```
    ///
    /// - Throws: ``LedgerError/Code/notFound`` when the log does not (yet) hold the tile;
    ///   ``LedgerError/Code/corruptStore`` when a stored node or entry is missing or damaged.
    public func tileData(_ tile: Tile) throws(LedgerError) -> [UInt8] {
        let size = try self.size()
        let first = tile.index * UInt64(Tile.fullWidth)
        let (end, overflow) = first.addingReportingOverflow(UInt64(tile.width))
        switch tile.kind {
        case .entries:
            guard !overflow, end <= size else { throw Self.noTile(tile, size: size) }
            // A full tile of a packed store is its stored bundle, as it is.
            if tile.width == Tile.fullWidth, let bundles = store.bundles {
                let store = self.store
                let packed = try store.read { txn in
                    try txn.withValue(bundles, key: PackedEntries.key(tile.index)) { raw -> [UInt8] in
                        try PackedEntries.forEach(in: raw, bundle: tile.index) { _, _ in true }
                        return Array(raw)
                    }
                }
                if let packed { return packed }
            }
            let leaves = try self.leaves(from: first, to: end, limit: tile.width)
            guard leaves.count == tile.width else {
                throw LedgerError(.corruptStore, "entries \(first)..<\(end) are not all stored")
            }
            do { return try Tiles.encodeEntryBundle(leaves.lazy.map(\.leaf)) } catch {
                throw LedgerError(.corruptStore, "a stored entry does not fit an entry bundle: \(error.message)")
            }
        case .hashes(let level):
            guard !overflow, end <= Tiles.hashCount(level: level, treeSize: size) else { throw Self.noTile(tile, size: size) }
            return Tiles.encodeHashTile(try storedNodes(level: 8 * level, from: first, count: tile.width))
        }
    }

    private static func noTile(_ tile: Tile, size: UInt64) -> LedgerError {
        LedgerError(.notFound, "the log of \(size) entries has no tile \(tile.path)")
    }
}
