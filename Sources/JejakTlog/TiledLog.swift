#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakCrypto
import Synchronization

/// A C2SP tlog-tiles log in a directory on disk (as `jejak export` writes it, or as mirrored
/// from any tlog-tiles server): its `checkpoint`, hash tiles and entry bundles, read without
/// any ledger.
///
/// Nothing read here is trusted by itself: verify the checkpoint with a ``TlogPolicy`` first,
/// then recompute what you need from the tiles of that checkpoint's size. The root from the
/// tiles (``rootHash(treeSize:)``) must be the checkpoint's root; every entry of a bundle hashes
/// (``Merkle/leafHash(_:)``) to the matching hash of the level-0 tile.
///
/// ```swift
/// let log = TiledLog(directory: "export")
/// let signed = try log.checkpoint()
/// let verified = try policy.verify(signed)                  // signatures and quorum
/// let size = signed.checkpoint.size
/// guard try log.rootHash(treeSize: size) == signed.checkpoint.rootHash else { … }
/// let leaves = try log.entries(from: 0, to: size, treeSize: size)
/// let proof = try log.inclusionProof(index: 42, treeSize: size)
/// try InclusionProof.verify(leafHash: Merkle.leafHash(leaves[42]), index: 42, size: size,
///                           proof: proof, root: signed.checkpoint.rootHash)
/// ```
///
/// Tiles are chosen for a tree size as the spec says: a tile that is partial in a tree of that
/// size is read at its `.p/<W>` path; when that file is gone (a log may delete partial tiles
/// once the full tile exists) the full tile is read instead and its first `W` hashes or entries
/// are used. Every error is a ``TileError`` naming the file that is missing or malformed.
public struct TiledLog: Sendable {
    /// The path of the checkpoint, relative to the directory.
    public static let checkpointPath = "checkpoint"

    /// The directory holding `checkpoint` and `tile/`.
    public let directory: String

    /// A reader of the tiles directory at `directory` (nothing is read yet).
    public init(directory: String) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    }

    /// The full path of a file of the log given by its path relative to the directory.
    public func filePath(_ relative: String) -> String {
        directory + "/" + relative
    }

    // MARK: Files

    /// The bytes of a file of the log, by its path relative to the directory.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/missingFile`` or
    ///   ``TileError/Code/unreadableFile``, naming the file.
    public func bytes(of relative: String) throws(TileError) -> [UInt8] {
        let path = filePath(relative)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR {
                throw TileError(.missingFile, "\(path) is missing", file: path)
            }
            throw TileError(.unreadableFile, "cannot open \(path): \(String(cString: strerror(code)))", file: path)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw TileError(.unreadableFile, "cannot read \(path): \(String(cString: strerror(errno)))", file: path)
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    /// Whether a file of the log exists, by its path relative to the directory.
    public func exists(_ relative: String) -> Bool {
        access(filePath(relative), F_OK) == 0
    }

    // MARK: Checkpoint

    /// The text of the `checkpoint` file, unparsed (the signed note with every signature line).
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/missingFile`` or
    ///   ``TileError/Code/unreadableFile``.
    public func checkpointText() throws(TileError) -> String {
        String(decoding: try bytes(of: Self.checkpointPath), as: UTF8.self)
    }

    /// The `checkpoint` file as a signed checkpoint; its signatures are not checked (use a
    /// ``TlogPolicy``).
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/malformedCheckpoint`` when it is not a
    ///   signed checkpoint, or as ``checkpointText()``.
    public func checkpoint() throws(TileError) -> SignedCheckpoint {
        let raw = try bytes(of: Self.checkpointPath)
        do { return try SignedCheckpoint(parsing: raw) } catch {
            let path = filePath(Self.checkpointPath)
            throw TileError(.malformedCheckpoint, "\(path) is not a signed checkpoint: \(error.message)", file: path)
        }
    }

    // MARK: Tiles

    /// The hashes of a hash tile, read at exactly `tile`'s path.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/missingFile``,
    ///   ``TileError/Code/unreadableFile``, or ``TileError/Code/malformedTile`` when the file
    ///   does not hold exactly `tile.width` hashes; ``TileError/Code/invalidLevel`` for an
    ///   entry bundle.
    public func hashes(_ tile: Tile) throws(TileError) -> [SHA256Digest] {
        guard case .hashes = tile.kind else {
            throw TileError(.invalidLevel, "\(tile.path) is an entry bundle, not a hash tile")
        }
        let raw = try bytes(of: tile.path)
        do { return try Tiles.decodeHashTile(raw, width: tile.width) } catch {
            throw located(error, tile.path)
        }
    }

    /// The entries of an entry bundle, read at exactly `tile`'s path.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/missingFile``,
    ///   ``TileError/Code/unreadableFile``, or ``TileError/Code/malformedBundle`` when the file
    ///   does not hold exactly `tile.width` entries; ``TileError/Code/invalidLevel`` for a hash
    ///   tile.
    public func entries(_ tile: Tile) throws(TileError) -> [[UInt8]] {
        guard case .entries = tile.kind else {
            throw TileError(.invalidLevel, "\(tile.path) is a hash tile, not an entry bundle")
        }
        let raw = try bytes(of: tile.path)
        do { return try Tiles.decodeEntryBundle(raw, count: tile.width) } catch {
            throw located(error, tile.path)
        }
    }

    /// The hashes of the hash tile at `level`, `index` of the tree of `treeSize` leaves: 256
    /// for a full tile, the partial tile's width otherwise (from the full tile when the partial
    /// file is gone).
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/outOfRange`` when the tree has no such
    ///   tile, or as ``hashes(_:)``.
    public func hashTile(level: Int, index: UInt64, treeSize: UInt64) throws(TileError) -> [SHA256Digest] {
        guard (0...Tile.maxLevel).contains(level), let tile = Tiles.hashTile(level: level, index: index, treeSize: treeSize) else {
            throw TileError(.outOfRange, "a tree of size \(treeSize) has no hash tile at level \(level), index \(index)")
        }
        return try withFullTileFallback(tile) { t throws(TileError) in try hashes(t) }
    }

    /// The entries of entry bundle `index` of the tree of `treeSize` entries (from the full
    /// bundle when a partial one is gone).
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/outOfRange`` when the tree has no such
    ///   bundle, or as ``entries(_:)``.
    public func entryBundle(index: UInt64, treeSize: UInt64) throws(TileError) -> [[UInt8]] {
        guard let tile = Tiles.entryBundle(index: index, treeSize: treeSize) else {
            throw TileError(.outOfRange, "a tree of size \(treeSize) has no entry bundle \(index)")
        }
        return try withFullTileFallback(tile) { t throws(TileError) in try entries(t) }
    }

    private func withFullTileFallback<T>(_ tile: Tile, _ read: (Tile) throws(TileError) -> [T]) throws(TileError) -> [T] {
        do {
            return try read(tile)
        } catch where error.code == .missingFile && !tile.isFull {
            let full = try tile.withWidth(Tile.fullWidth)
            guard exists(full.path) else { throw error }
            return Array(try read(full).prefix(tile.width))
        }
    }

    /// The entries (leaf bytes) `[from, to)` of the tree of `treeSize` entries, read from the
    /// entry bundles, in order.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/outOfRange`` unless
    ///   `from <= to <= treeSize`, or as ``entryBundle(index:treeSize:)``.
    public func entries(from: UInt64, to: UInt64, treeSize: UInt64) throws(TileError) -> [[UInt8]] {
        guard from <= to, to <= treeSize else {
            throw TileError(.outOfRange, "entries \(from)..<\(to) are not in a tree of size \(treeSize)")
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(Int(min(to - from, 1 << 20)))
        let width = UInt64(Tile.fullWidth)
        var position = from
        while position < to {
            let bundle = position / width
            let entries = try entryBundle(index: bundle, treeSize: treeSize)
            let first = Int(position % width)
            let last = Int(min(to - bundle * width, UInt64(entries.count)))
            out.append(contentsOf: entries[first..<last])
            position = bundle * width + UInt64(last)
        }
        return out
    }

    // MARK: Merkle

    /// A ``MerkleHashSource`` over the hash tiles of the tree of `treeSize` leaves, so that
    /// ``Merkle`` computes roots and proofs of any size up to `treeSize` from the tiles.
    public func hashSource(treeSize: UInt64) -> TileHashSource {
        TileHashSource(log: self, treeSize: treeSize)
    }

    /// The root hash of the first `treeSize` leaves, from the hash tiles of that size.
    ///
    /// - Throws: ``TileError`` naming a missing or malformed tile.
    public func rootHash(treeSize: UInt64) throws(TileError) -> SHA256Digest {
        try Merkle.rootHash(size: treeSize, from: hashSource(treeSize: treeSize))
    }

    /// The inclusion proof of entry `index` in the tree of `treeSize` leaves, from the tiles.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/outOfRange`` unless `index < treeSize`, or
    ///   naming a missing or malformed tile.
    public func inclusionProof(index: UInt64, treeSize: UInt64) throws(TileError) -> [SHA256Digest] {
        do {
            return try Merkle.inclusionProof(index: index, size: treeSize, from: hashSource(treeSize: treeSize))
        } catch {
            throw Self.unwrap(error)
        }
    }

    /// The consistency proof from the tree of `oldSize` leaves to the tree of `newSize`, from
    /// the tiles of `newSize`.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/outOfRange`` unless `0 < oldSize <= newSize`,
    ///   or naming a missing or malformed tile.
    public func consistencyProof(oldSize: UInt64, newSize: UInt64) throws(TileError) -> [SHA256Digest] {
        do {
            return try Merkle.consistencyProof(oldSize: oldSize, newSize: newSize, from: hashSource(treeSize: newSize))
        } catch {
            throw Self.unwrap(error)
        }
    }

    private static func unwrap(_ error: ProofGenerationError<TileError>) -> TileError {
        switch error {
        case .invalidRequest(let e): TileError(.outOfRange, e.message)
        case .source(let e): e
        }
    }

    private func located(_ error: TileError, _ relative: String) -> TileError {
        let path = filePath(relative)
        return TileError(error.code, "\(path): \(error.message)", file: path)
    }
}

/// The hashes of the perfect subtrees of a tree of a given size, computed from the hash tiles
/// of a ``TiledLog``: the ``MerkleHashSource`` that lets ``Merkle`` serve roots and proofs from
/// an export.
///
/// A node at tree level `l` comes from the tile at level `l / 8`: it is the tile hash itself
/// when `l` is a multiple of 8, otherwise the Merkle Tree Hash of the `2^(l mod 8)` tile hashes
/// below it. Tiles read are kept (a few hundred at most), so a proof reads each tile once.
public final class TileHashSource: MerkleHashSource, Sendable {
    /// The log the tiles are read from.
    public let log: TiledLog
    /// The tree size whose tiles are read: it decides which tiles are partial and how wide.
    public let treeSize: UInt64

    private struct Cache {
        var tiles: [Tile: [SHA256Digest]] = [:]
        var ranges: [Range<UInt64>: SHA256Digest] = [:]
    }
    private let cache = Mutex(Cache())
    private static let cacheLimit = 256

    /// A source over the tiles of `log` for the tree of `treeSize` leaves.
    public init(log: TiledLog, treeSize: UInt64) {
        self.log = log
        self.treeSize = treeSize
    }

    /// The root of the perfect subtree of `2^level` leaves starting at leaf `index·2^level`.
    ///
    /// - Throws: ``TileError`` with ``TileError/Code/outOfRange`` when that subtree is not
    ///   complete in the tree of ``treeSize`` leaves, or naming a missing or malformed tile.
    public func hash(level: Int, index: UInt64) throws(TileError) -> SHA256Digest {
        guard (0..<64).contains(level), index < (treeSize >> UInt64(level)) else {
            throw TileError(.outOfRange, "the tree of size \(treeSize) has no complete node at level \(level), index \(index)")
        }
        let tileLevel = level / 8, below = level % 8
        // The node's first hash at tree level 8·tileLevel, and how many hashes it spans there.
        let first = index << UInt64(below)
        let span = 1 << below
        let width = UInt64(Tile.fullWidth)
        let hashes = try tile(level: tileLevel, index: first / width)
        let offset = Int(first % width)
        guard offset + span <= hashes.count else {
            throw TileError(.malformedTile, "a hash tile at level \(tileLevel) is narrower than the tree of size \(treeSize) needs")
        }
        var layer = Array(hashes[offset..<(offset + span)])
        while layer.count > 1 {
            var next: [SHA256Digest] = []
            next.reserveCapacity(layer.count / 2)
            var i = 0
            while i < layer.count {
                next.append(Merkle.nodeHash(layer[i], layer[i + 1]))
                i += 2
            }
            layer = next
        }
        return layer[0]
    }

    private func tile(level: Int, index: UInt64) throws(TileError) -> [SHA256Digest] {
        guard let key = Tiles.hashTile(level: level, index: index, treeSize: treeSize) else {
            throw TileError(.outOfRange, "a tree of size \(treeSize) has no hash tile at level \(level), index \(index)")
        }
        if let known = cache.withLock({ $0.tiles[key] }) { return known }
        let hashes = try log.hashTile(level: level, index: index, treeSize: treeSize)
        cache.withLock { c in
            if c.tiles.count >= Self.cacheLimit { c.tiles.removeAll(keepingCapacity: true) }
            c.tiles[key] = hashes
        }
        return hashes
    }

    /// A right-border node composed earlier for this tree size, if any.
    public func rememberedRange(begin: UInt64, end: UInt64) -> SHA256Digest? {
        cache.withLock { $0.ranges[begin..<end] }
    }

    /// Keeps a composed right-border node for later proofs of this tree size.
    public func remember(range begin: UInt64, end: UInt64, hash: SHA256Digest) {
        cache.withLock { c in
            if c.ranges.count >= 1024 { c.ranges.removeAll(keepingCapacity: true) }
            c.ranges[begin..<end] = hash
        }
    }
}
