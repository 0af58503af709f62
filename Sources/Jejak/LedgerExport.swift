#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakBase
import JejakCrypto
import JejakJSON
import JejakStorage
import JejakTlog

extension ErrorCode where Kind == LedgerErrors {
    /// The export directory holds another log's export, a larger or inconsistent checkpoint, a
    /// `checkpoint` file that is not a signed checkpoint, or is not a directory.
    public static var exportConflict: Self { Self("exportConflict") }
    /// A file or folder of the export could not be created, read or written.
    public static var exportWrite: Self { Self("exportWrite") }
}

/// What ``Ledger/export(to:size:)`` did.
public struct ExportSummary: Hashable, Sendable {
    /// The tree size of the exported checkpoint.
    public var size: UInt64
    /// The size of the checkpoint the directory held before, if any.
    public var previousSize: UInt64?
    /// The files written, as paths relative to the export directory, in the order written
    /// (`checkpoint` last, when it changed).
    public var written: [String]
    /// The files of the export that were already there and were kept as they were.
    public var kept: Int
    /// The bytes written, over all files.
    public var bytes: Int

    /// The number of files written.
    public var filesWritten: Int { written.count }

    /// A summary.
    public init(size: UInt64, previousSize: UInt64?, written: [String], kept: Int, bytes: Int) {
        self.size = size
        self.previousSize = previousSize
        self.written = written
        self.kept = kept
        self.bytes = bytes
    }
}

/// Exporting the log as a C2SP tlog-tiles tree (c2sp.org/tlog-tiles).
extension Ledger {
    /// Writes the log, as of the stored checkpoint of tree size `size` (default: the latest),
    /// into `directory` as a C2SP tlog-tiles tree that any static web server can serve and any
    /// tlog-tiles client (or `TiledLog` of JejakTlog) can read:
    ///
    /// - `checkpoint`: the stored signed note verbatim, with the witness cosignatures stored so far;
    /// - `tile/<L>/<N>[.p/<W>]`: the hash tiles, from the stored Merkle nodes (the tile at level
    ///   `L`, index `N` holds the tree-level `8L` nodes `N·256 ..< N·256 + W`);
    /// - `tile/entries/<N>[.p/<W>]`: the entry bundles, each entry's leaf bytes verbatim.
    ///
    /// Exporting again into the same directory writes only what is new: full tiles already
    /// covered by the directory's checkpoint are kept as they are, the partial tiles of the new
    /// size are added beside the old ones (which the spec allows to stay), and the `checkpoint`
    /// is written last, only once every tile is on disk, and only if it changed (a re-export
    /// of the same size picks up new cosignatures). Every file is written atomically (a
    /// temporary file renamed into place). Before the checkpoint is written, the entries
    /// written are checked against the stored leaf hashes, and the root recomputed from the
    /// exported tiles against the checkpoint's root.
    ///
    /// ```swift
    /// let summary = try ledger.export(to: "/srv/www/jejak")
    /// print("size \(summary.size): \(summary.filesWritten) files, \(summary.bytes) bytes")
    /// ```
    ///
    /// - Parameters:
    ///   - directory: The export directory; created (with its parents) if missing.
    ///   - size: The tree size of a stored checkpoint; `nil` for the latest.
    /// - Returns: What was written.
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/notFound`` when no checkpoint of `size`
    ///   is stored; ``LedgerError/Code/exportConflict`` when the directory holds a checkpoint
    ///   of another origin, of a larger size, or one whose root is not this log's root at its
    ///   size (nothing is written in these cases); ``LedgerError/Code/exportWrite`` when a
    ///   file can't be written; ``LedgerError/Code/corruptStore`` when a stored node or entry
    ///   is missing or does not match (the checkpoint is not written then).
    @discardableResult
    public func export(to directory: String, size: UInt64? = nil) throws(LedgerError) -> ExportSummary {
        let text: String
        if let size {
            guard let t = try store.checkpointText(size: size) else {
                throw LedgerError(.notFound, "the ledger signed no checkpoint of size \(size); see `jejak checkpoint` for the latest")
            }
            text = t
        } else {
            guard let t = try store.latestCheckpointText() else {
                throw LedgerError(.notFound, "the ledger has no checkpoint yet")
            }
            text = t
        }
        let checkpoint = try Self.parseCheckpoint(text).checkpoint
        guard checkpoint.origin.sameBytes(as: origin), size == nil || checkpoint.size == size else {
            throw LedgerError(.corruptStore, "the stored checkpoint of size \(size ?? checkpoint.size) is not this log's checkpoint of that size")
        }
        var writer = try ExportWriter(directory: directory)
        let previous = try previousExport(writer.log, for: checkpoint)
        try writer.makeDirectory("")
        try writeTiles(checkpoint.size, previous: previous?.size ?? 0, into: &writer)

        let fromTiles: SHA256Digest
        do { fromTiles = try writer.log.rootHash(treeSize: checkpoint.size) } catch {
            throw LedgerError(.corruptStore, "the exported tiles can't be read back: \(error.message)")
        }
        guard fromTiles == checkpoint.rootHash else {
            throw LedgerError(.corruptStore,
                              "the root recomputed from the exported tiles is not the root of the checkpoint of size \(checkpoint.size); the stored Merkle nodes are damaged")
        }
        if !(previous?.text.sameBytes(as: text) ?? false) {
            sync()  // every tile is on disk before a checkpoint that refers to them
            try writer.put(Array(text.utf8), at: TiledLog.checkpointPath, durable: true)
        } else {
            writer.kept += 1
        }
        return ExportSummary(size: checkpoint.size, previousSize: previous?.size, written: writer.written,
                             kept: writer.kept, bytes: writer.bytes)
    }

    /// The checkpoint an earlier export left in the directory, checked against this log.
    private func previousExport(_ log: TiledLog, for checkpoint: Checkpoint) throws(LedgerError) -> (size: UInt64, text: String)? {
        let signed: SignedCheckpoint, text: String
        do {
            text = try log.checkpointText()
            signed = try log.checkpoint()
        } catch where error.code == .missingFile {
            return nil
        } catch {
            throw LedgerError(.exportConflict, "\(log.directory) can't be exported into: \(error.message)")
        }
        let old = signed.checkpoint
        guard old.origin.sameBytes(as: checkpoint.origin) else {
            throw LedgerError(.exportConflict,
                              "\(log.directory) holds an export of the log \"\(old.origin)\", not of \"\(checkpoint.origin)\"")
        }
        guard old.size <= checkpoint.size else {
            throw LedgerError(.exportConflict,
                              "\(log.directory) holds an export of size \(old.size), larger than the size \(checkpoint.size) asked for")
        }
        guard try rootHash(size: old.size) == old.rootHash else {
            throw LedgerError(.exportConflict,
                              "\(log.directory) holds a checkpoint of size \(old.size) whose root is not this log's root at that size: it is not an export of this history")
        }
        return (old.size, text)
    }

    /// Writes the hash tiles and entry bundles of the tree of `size` leaves that are not yet
    /// in the directory. The tiles that were already full at the size `previous` of the
    /// directory's checkpoint are not looked at (the checkpoint was written after them); of the
    /// others, a file is kept when the checkpoint covers its content and it exists, or when it
    /// holds exactly the bytes to write. So an incremental export costs in proportion to what
    /// is new, not to the log.
    private func writeTiles(_ size: UInt64, previous: UInt64, into writer: inout ExportWriter) throws(LedgerError) {
        func needed(_ tile: Tile) -> Bool {
            guard writer.log.exists(tile.path) else { return true }
            if let end = tile.endIndex, end <= previous { return false }
            return true
        }
        let width = UInt64(Tile.fullWidth)
        // Level 0 and the entry bundles together: each entry is checked against its leaf hash.
        let firstBundle = previous / width
        writer.kept += 2 * Int(firstBundle)
        var index = firstBundle
        while let tile = Tiles.entryBundle(index: index, treeSize: size) {
            index += 1
            let hashTile = try Self.tile { () throws(TileError) in try Tile(level: 0, index: tile.index, width: tile.width) }
            let writeBundle = needed(tile), writeHashes = needed(hashTile)
            guard writeBundle || writeHashes else {
                writer.kept += 2
                continue
            }
            let first = tile.index * width
            let leaves = try self.leaves(from: first, to: first + UInt64(tile.width), limit: tile.width)
            let hashes = try storedNodes(level: 0, from: first, count: tile.width)
            guard leaves.count == tile.width else {
                throw LedgerError(.corruptStore, "entries \(first)..<\(first + UInt64(tile.width)) are not all stored")
            }
            for (i, (leaf, hash)) in zip(leaves, hashes).enumerated() where Merkle.leafHash(leaf.leaf) != hash {
                throw LedgerError(.corruptStore, "entry \(first + UInt64(i)) does not hash to its stored leaf hash")
            }
            if writeBundle {
                let bytes = try Self.tile { () throws(TileError) in try Tiles.encodeEntryBundle(leaves.lazy.map(\.leaf)) }
                try writer.putIfChanged(bytes, to: tile.path)
            } else {
                writer.kept += 1
            }
            if writeHashes {
                try writer.putIfChanged(Tiles.encodeHashTile(hashes), to: hashTile.path)
            } else {
                writer.kept += 1
            }
        }
        for level in Tiles.levels(treeSize: size).dropFirst() {
            let firstTile = Tiles.hashCount(level: level, treeSize: previous) / width
            writer.kept += Int(firstTile)
            var index = firstTile
            while let tile = Tiles.hashTile(level: level, index: index, treeSize: size) {
                index += 1
                guard needed(tile) else {
                    writer.kept += 1
                    continue
                }
                let hashes = try storedNodes(level: 8 * level, from: tile.index * width, count: tile.width)
                try writer.putIfChanged(Tiles.encodeHashTile(hashes), to: tile.path)
            }
        }
    }

    /// The stored nodes `from ..< from + count` of tree level `level`, read in one snapshot
    /// (one lookup each: in format 2 a level's nodes are not adjacent keys).
    func storedNodes(level: Int, from: UInt64, count: Int) throws(LedgerError) -> [SHA256Digest] {
        let store = self.store
        let nodes: [SHA256Digest] = try store.read { txn in
            var out: [SHA256Digest] = []
            out.reserveCapacity(count)
            for index in from..<(from + UInt64(count)) {
                guard let hash = try txn.withValue(store.nodes, key: store.nodeKey(level: level, index: index), {
                    try? SHA256Digest(raw: $0)
                }) ?? nil else { break }
                out.append(hash)
            }
            return out
        }
        guard nodes.count == count else {
            throw LedgerError(.corruptStore,
                              "the stored Merkle node (level \(level), index \(from + UInt64(nodes.count))) is missing or damaged")
        }
        return nodes
    }

    private static func tile<R>(_ body: () throws(TileError) -> R) throws(LedgerError) -> R {
        do { return try body() } catch {
            throw LedgerError(.corruptStore, "a stored record does not fit the tlog-tiles format: \(error.message)")
        }
    }
}

/// Writes the files of an export atomically and counts what it wrote.
private struct ExportWriter {
    let log: TiledLog
    var written: [String] = []
    var kept = 0
    var bytes = 0
    private var madeDirectories: Set<String> = []
    private var sequence = 0

    init(directory: String) throws(LedgerError) {
        log = TiledLog(directory: directory)
        var info = stat()
        if stat(log.directory, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
            throw LedgerError(.exportConflict, "\(log.directory) exists and is not a directory")
        }
    }

    /// Creates `relative` (a folder inside the export, "" for the export itself) and its parents.
    mutating func makeDirectory(_ relative: String) throws(LedgerError) {
        guard !madeDirectories.contains(relative) else { return }
        let path = relative.isEmpty ? log.directory : log.filePath(relative)
        if let slash = relative.lastIndex(of: "/") {
            try makeDirectory(String(relative[..<slash]))
        } else if !relative.isEmpty {
            try makeDirectory("")
        } else if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try Self.makeParents(String(path[..<slash]))
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw LedgerError(.exportWrite, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        madeDirectories.insert(relative)
    }

    private static func makeParents(_ path: String) throws(LedgerError) {
        if access(path, F_OK) == 0 { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeParents(String(path[..<slash]))
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw LedgerError(.exportWrite, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `bytes` to `relative` unless the file already holds exactly them.
    mutating func putIfChanged(_ bytes: [UInt8], to relative: String) throws(LedgerError) {
        if log.exists(relative), let old = try? log.bytes(of: relative), old == bytes {
            kept += 1
            return
        }
        try put(bytes, at: relative, durable: false)
    }

    /// Writes `bytes` to a temporary file beside `relative` and renames it into place; with
    /// `durable`, the file and its folder are synced to disk.
    mutating func put(_ bytes: [UInt8], at relative: String, durable: Bool) throws(LedgerError) {
        let folder = relative.lastIndex(of: "/").map { String(relative[..<$0]) } ?? ""
        try makeDirectory(folder)
        let path = log.filePath(relative)
        sequence += 1
        let temporary = (folder.isEmpty ? log.directory : log.filePath(folder))
            + "/.export-\(getpid())-\(sequence).tmp"
        func failure(_ what: String) -> LedgerError {
            LedgerError(.exportWrite, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw failure("write") }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let e = failure("write")
                close(fd)
                unlink(temporary)
                throw e
            }
            offset += n
        }
        if durable, fsync(fd) != 0 {
            let e = failure("sync")
            close(fd)
            unlink(temporary)
            throw e
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let e = failure("rename a temporary file to")
            unlink(temporary)
            throw e
        }
        if durable {
            let dir = open(folder.isEmpty ? log.directory : log.filePath(folder), O_RDONLY)
            if dir >= 0 {
                fsync(dir)
                close(dir)
            }
        }
        written.append(relative)
        self.bytes += bytes.count
    }
}
