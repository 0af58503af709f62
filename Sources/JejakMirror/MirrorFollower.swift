import Foundation
import JejakBase
import JejakCrypto
import JejakTlog

/// A mirror that follows a primary log through its tlog-tiles interface (`/checkpoint`,
/// `/tile/entries/…`): each ``round()`` fetches the primary's checkpoint and the entry bundles
/// the copy lacks, and updates the ``Mirror`` through the same add-checkpoint and add-entries
/// rules a pushing client meets, so nothing reaches the copy that the mirror did not verify.
///
/// The follower trusts nothing it fetches. It fetches no hash tile: it hashes the entries
/// itself, computes the consistency proof and each package's subtree consistency proof from
/// the copy's own verified tiles and those leaf hashes, and hands them to the mirror, which
/// verifies them against the primary's signed checkpoint. A primary that serves entries its
/// checkpoint does not commit to, or a checkpoint that does not extend the copy, is refused:
/// ``MirrorError/Code/rollback`` for a smaller tree, ``MirrorError/Code/fork`` for another root
/// at the same size, ``MirrorError/Code/inconsistent`` for a tree the copy and the served
/// entries do not lead to. Each refused checkpoint is kept with its rule (``refusalPath``; a
/// later good round erases none) and the copy keeps serving what it verified before.
///
/// The fetched bundles wait in a staging folder of the state directory (`staging/<origin
/// hash>/`) between the hashing pass and the upload, so a round's memory is its leaf hashes
/// (32 bytes an entry), not its entries. A round that loses the primary keeps them for the
/// next (a long catch-up over a link that drops gets further each time); a commit or a
/// refusal clears them. A round interrupted at any point leaves a copy the next round
/// continues: the mirror's bundles are written whole, and its checkpoint last.
///
/// ```swift
/// let follower = MirrorFollower(mirror: mirror, origin: "ledger.kpu.go.id") { path in
///     try await fetchFromPrimary(path)   // nil for a 404
/// }
/// switch try await follower.round() {
/// case .upToDate: break
/// case .updated(let checkpoint): print(checkpoint.checkpoint.size)
/// }
/// ```
public struct MirrorFollower: Sendable {
    /// Fetches a path of the primary's tlog-tiles interface (`checkpoint`, `tile/entries/…`):
    /// its bytes, or nil when the primary has no such resource (a 404).
    public typealias Fetch = @Sendable (_ path: String) async throws -> [UInt8]?

    /// What a round did.
    public enum RoundResult: Hashable, Sendable {
        /// The copy already held the primary's checkpoint, or the primary is behind a pending
        /// checkpoint pushed by another client: the mirror checkpoint (nil before the first).
        case upToDate(SignedCheckpoint?)
        /// The mirror checkpoint moved to the primary's, cosigned by the mirror.
        case updated(SignedCheckpoint)
    }

    /// The mirror updated.
    public let mirror: Mirror
    /// The origin of the log followed (one the mirror trusts).
    public let origin: String
    private let fetch: Fetch
    private let disk: BlockingQueue?

    /// A follower of `origin`'s primary, reached through `fetch`.
    ///
    /// - Parameter disk: Where the mirror's blocking work runs (the queue a server's routes
    ///   share, so that one mirror's disk is used by one thread at a time); inline when `nil`.
    public init(mirror: Mirror, origin: String, disk: BlockingQueue? = nil, fetch: @escaping Fetch) {
        self.mirror = mirror
        self.origin = origin
        self.disk = disk
        self.fetch = fetch
    }

    /// The folder where each refused checkpoint of the primary is kept, with the rule it broke
    /// (`<size>-<rule>`: a later refusal does not replace an earlier one of another size or rule).
    /// A `fork` record is evidence by itself (two checkpoints of one size the log signed, the
    /// mirror's and this one); an `inconsistent` one says that the served entries or the
    /// primary's history do not lead from the copy to this checkpoint; a `rollback` one, that
    /// the primary serves a tree smaller than one the mirror cosigned.
    public var refusalPath: String { mirror.logDirectory(origin: origin) + "/refused" }

    /// Brings the copy up to the primary's latest checkpoint.
    ///
    /// - Returns: whether the mirror checkpoint moved.
    /// - Throws: ``MirrorError`` with code ``MirrorError/Code/primaryUnavailable`` (the primary
    ///   did not answer, or lacks a bundle its checkpoint covers), ``MirrorError/Code/primaryMalformed``
    ///   (an answer that is not a checkpoint or a bundle), or any refusal of
    ///   ``Mirror/addCheckpoint(_:)`` and ``Mirror/addEntries(_:)``; a refusal of a signed
    ///   checkpoint (rollback, fork, inconsistent) is also written to ``refusalPath``. The
    ///   copy is left as it was, or further along with verified entries only.
    public func round() async throws(MirrorError) -> RoundResult {
        let fetched = try await primaryCheckpoint()
        let (mirror, origin) = (self.mirror, self.origin)
        let (checkpoint, pending, mirrored) = try await onDisk { () throws(MirrorError) in
            guard try mirror.trustedKey(origin: origin) != nil else {
                throw MirrorError(.unknownLog, "the mirror trusts no log key for the origin \(origin)")
            }
            return (try mirror.verifiedBySignature(fetched), try mirror.pendingCheckpoint(origin: origin), try mirror.mirrorCheckpoint(origin: origin))
        }
        let size = checkpoint.checkpoint.size
        let mirrorSize = mirrored?.checkpoint.size ?? 0
        let pendingSize = pending?.checkpoint.size ?? 0
        if let mirrored, mirrorSize == size, pending == checkpoint, !Mirror.carriesMore(checkpoint, than: mirrored) {
            return .upToDate(mirrored)
        }
        guard size >= mirrorSize else {
            throw refused(checkpoint, MirrorError(.rollback, "the primary's checkpoint of size \(size) is smaller than the mirror checkpoint of size \(mirrorSize) (a rollback)"))
        }
        // Behind a pending checkpoint another client pushed (a stale cache in front of the
        // primary, say): nothing to take from it until it catches up.
        guard size >= pendingSize else { return .upToDate(mirrored) }
        // Bundles staged by a round that did not finish are taken again (a long first catch-up
        // over a link that drops gets further each round); the folder goes once a round ends
        // in a commit or a refusal (what it holds may be what was refused).
        let staging = mirror.stateDirectory + "/staging/" + Mirror.originHash(origin)
        do {
            let result = try await update(checkpoint, pendingSize: pendingSize, mirrorSize: mirrorSize, staging: staging)
            try? FileManager.default.removeItem(atPath: staging)
            return result
        } catch where error.code != .primaryUnavailable {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
    }

    /// Stages the entries of `[mirrorSize, checkpoint's size)` and takes them through the mirror's three stages.
    private func update(_ checkpoint: SignedCheckpoint, pendingSize: UInt64, mirrorSize: UInt64,
                        staging: String) async throws(MirrorError) -> RoundResult {
        let (mirror, origin) = (self.mirror, self.origin)
        let size = checkpoint.checkpoint.size
        let tree = try await stage(from: mirrorSize, to: size, in: staging)

        // Stage 1: the pending checkpoint moves to the primary's.
        do throws(MirrorError) {
            try await onDisk { () throws(MirrorError) in
                var proof: [SHA256Digest] = []
                if pendingSize > 0 && pendingSize < size {
                    do { proof = try Merkle.consistencyProof(oldSize: pendingSize, newSize: size, from: tree) } catch {
                        throw MirrorError(.corruptState, "a consistency proof can't be computed from the copy and the fetched entries: \(error)", underlying: error)
                    }
                }
                try mirror.addCheckpoint(try Self.request(oldSize: pendingSize, proof: proof, checkpoint: checkpoint))
            }
        } catch where [.rollback, .fork, .inconsistent].contains(error.code) {
            throw refused(checkpoint, error)
        }

        // Stages 2 and 3: the entries, a request of at most 32 packages at a time, then the commit.
        var next = try await onDisk { () throws(MirrorError) in try mirror.nextEntry(origin: origin) }
        while true {
            let start = next
            let result = try await onDisk { () throws(MirrorError) -> Mirror.AddEntriesResult in
                let intervals = AddEntriesRequest.packageIntervals(start: start, end: size).prefix(AddEntriesRequest.maxPackagesPerRequest)
                var packages: [EntryPackage] = []
                for interval in intervals {
                    packages.append(try Self.package(interval, size: size, tree: tree, staging: staging))
                }
                return try mirror.addEntries(AddEntriesRequest(origin: origin, uploadStart: start, uploadEnd: size, packages: packages))
            }
            switch result {
            case .committed(let cosigned):
                return .updated(cosigned)
            case .accepted(let info):
                guard info.nextEntry > next else {
                    throw MirrorError(.corruptState, "the mirror took no entry of \(next)..<\(size)")
                }
                next = info.nextEntry
            }
        }
    }

    /// Runs the mirror's blocking work (its lock, reads, fsync) on ``disk`` when given, so that
    /// no task's thread waits for the disk; inline otherwise.
    private func onDisk<T: Sendable>(_ work: @escaping @Sendable () throws(MirrorError) -> T) async throws(MirrorError) -> T {
        guard let disk else { return try work() }
        return try await disk.run { () -> Result<T, MirrorError> in
            do throws(MirrorError) { return .success(try work()) } catch { return .failure(error) }
        }.get()
    }

    // MARK: Fetching

    private func get(_ path: String) async throws(MirrorError) -> [UInt8]? {
        do { return try await fetch(path) } catch {
            throw MirrorError(.primaryUnavailable, "the primary did not answer \(path): \(error)", underlying: error)
        }
    }

    private func primaryCheckpoint() async throws(MirrorError) -> SignedCheckpoint {
        guard let bytes = try await get(TiledLog.checkpointPath) else {
            throw MirrorError(.primaryUnavailable, "the primary has no checkpoint yet")
        }
        let checkpoint: SignedCheckpoint
        do { checkpoint = try SignedCheckpoint(parsing: String(decoding: bytes, as: UTF8.self)) } catch {
            throw MirrorError(.primaryMalformed, "the primary's checkpoint is not a signed checkpoint: \(error.message)", underlying: error)
        }
        guard checkpoint.checkpoint.origin.sameBytes(as: origin) else {
            throw MirrorError(.primaryMalformed, "the primary's checkpoint is of the log \(checkpoint.checkpoint.origin), not of \(origin)")
        }
        return checkpoint
    }

    /// Fetches the bundles covering `[from, to)` into `staging` (one file per bundle, the
    /// entries below `to`) and returns the tree of `to` leaves: the copy's verified tiles below
    /// `from`, the fetched entries' leaf hashes above.
    private func stage(from: UInt64, to: UInt64, in staging: String) async throws(MirrorError) -> FollowedTree {
        let copy = TiledLog(directory: mirror.logDirectory(origin: origin))
        var tree = try await onDisk { () throws(MirrorError) -> FollowedTree in
            do throws(TileError) { return try FollowedTree(copy: copy, size: from) } catch {
                throw MirrorError(.corruptState, "the copy's tiles of size \(from) can't be read: \(error.message)", underlying: error)
            }
        }
        guard to > from else { return tree }
        do { try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true) } catch {
            throw MirrorError(.stateIO, "cannot create \(staging): \(error.localizedDescription)")
        }
        let width = UInt64(Tile.fullWidth)
        for index in (from / width)...((to - 1) / width) {
            let count = Int(min(width, to - index * width))
            let file = Self.stagedFile(staging, index: index, count: count)
            let entries: [[UInt8]]
            if let staged = FileManager.default.contents(atPath: file),
               let decoded = try? Tiles.decodeEntryBundle([UInt8](staged), count: count) {
                entries = decoded
            } else {
                entries = try await bundle(index, count: count)
                do {
                    try Tiles.encodeEntryBundle(entries).withUnsafeBytes { bytes in
                        try Data(bytes).write(to: URL(fileURLWithPath: file))
                    }
                } catch {
                    throw MirrorError(.stateIO, "cannot stage bundle \(index) in \(staging): \(error)", underlying: error)
                }
            }
            for (i, entry) in entries.enumerated() where index * width + UInt64(i) >= from {
                tree.append(leafHash: Merkle.leafHash(entry))
            }
        }
        return tree
    }

    /// The staged copy of the first `count` entries of bundle `index`.
    private static func stagedFile(_ staging: String, index: UInt64, count: Int) -> String {
        staging + "/\(index)-\(count)"
    }

    /// The first `count` entries of bundle `index`: its partial tile of that width, or the full
    /// one when the primary keeps only that (tlog-tiles lets servers drop partial tiles).
    private func bundle(_ index: UInt64, count: Int) async throws(MirrorError) -> [[UInt8]] {
        let paths: [String]
        do {
            paths = count == Tile.fullWidth
                ? [try Tile(entriesIndex: index).path]
                : [try Tile(entriesIndex: index, width: count).path, try Tile(entriesIndex: index).path]
        } catch {
            throw MirrorError(.corruptState, error.message, underlying: error)
        }
        for path in paths {
            guard let bytes = try await get(path) else { continue }
            let width = path == paths.first ? count : Tile.fullWidth
            do { return Array(try Tiles.decodeEntryBundle(bytes, count: width).prefix(count)) } catch {
                throw MirrorError(.primaryMalformed, "the primary's \(path) is not an entry bundle of \(width) entries: \(error.message)", underlying: error)
            }
        }
        throw MirrorError(.primaryUnavailable, "the primary serves no entry bundle \(index), which its checkpoint covers")
    }

    // MARK: Requests

    private static func request(oldSize: UInt64, proof: [SHA256Digest], checkpoint: SignedCheckpoint) throws(MirrorError) -> AddCheckpointRequest {
        do { return try AddCheckpointRequest(oldSize: oldSize, consistencyProof: proof, checkpoint: checkpoint) } catch {
            throw MirrorError(.primaryMalformed, "the primary's checkpoint can't be submitted: \(error.message)", underlying: error)
        }
    }

    /// The package of `interval` (within one bundle), its entries from the staged bundle and its
    /// subtree consistency proof from `tree`.
    private static func package(_ interval: Range<UInt64>, size: UInt64, tree: FollowedTree, staging: String) throws(MirrorError) -> EntryPackage {
        let width = UInt64(Tile.fullWidth)
        let index = interval.lowerBound / width
        let count = Int(min(width, size - index * width))
        let entries: [[UInt8]]
        do {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: stagedFile(staging, index: index, count: count)))
            entries = try Tiles.decodeEntryBundle([UInt8](bytes), count: count)
        } catch {
            throw MirrorError(.stateIO, "the staged bundle \(index) can't be read back: \(error)", underlying: error)
        }
        let first = Int(interval.lowerBound - index * width)
        let last = Int(interval.upperBound - index * width)
        do {
            let proof = try SubtreeConsistencyProof.generate(try Subtree(start: index * width, end: interval.upperBound), size: size, from: tree)
            return EntryPackage(start: interval.lowerBound, entries: Array(entries[first..<last]), proof: proof)
        } catch {
            throw MirrorError(.corruptState, "the subtree proof of \(interval.lowerBound)..<\(interval.upperBound) can't be computed: \(error)", underlying: error)
        }
    }

    /// Keeps the refused checkpoint and the rule it broke in ``refusalPath``, and returns the error.
    private func refused(_ checkpoint: SignedCheckpoint, _ error: MirrorError) -> MirrorError {
        let record = "refused: \(error.code.name): \(error.message)\n\n" + checkpoint.serialized
        try? FileManager.default.createDirectory(atPath: refusalPath, withIntermediateDirectories: true)
        try? AtomicFile.write(Array(record.utf8), to: refusalPath + "/\(checkpoint.checkpoint.size)-\(error.code.name)")
        return error
    }
}

/// The tree a follower proves from: the copy's own tiles for the leaves it holds, and the
/// leaf hashes of the fetched entries above them. Only nodes of level 8 and up, and the few
/// that straddle the copy's end, are kept; a lower node above the copy is recomputed from the
/// leaf hashes (at most 255 hashes).
struct FollowedTree: MerkleHashSource, Sendable {
    private struct Position: Hashable, Sendable {
        let level: Int
        let index: UInt64
    }

    private let copy: TileHashSource
    private let copySize: UInt64
    private var frontier: MerkleFrontier
    private var leaves: [SHA256Digest] = []
    private var nodes: [Position: SHA256Digest] = [:]

    /// The copy's first `size` leaves.
    init(copy log: TiledLog, size: UInt64) throws(TileError) {
        copy = log.hashSource(treeSize: size)
        copySize = size
        frontier = try MerkleFrontier(size: size, from: copy)
    }

    /// The number of leaves.
    var size: UInt64 { frontier.size }

    mutating func append(leafHash: SHA256Digest) {
        leaves.append(leafHash)
        for node in frontier.append(leafHash: leafHash) where node.level >= 8 || node.index << UInt64(node.level) < copySize {
            nodes[Position(level: node.level, index: node.index)] = node.hash
        }
    }

    func hash(level: Int, index: UInt64) throws(TileError) -> SHA256Digest {
        let begin = index << UInt64(level)
        let end = begin + (UInt64(1) << UInt64(level))
        if end <= copySize { return try copy.hash(level: level, index: index) }
        if let hash = nodes[Position(level: level, index: index)] { return hash }
        guard begin >= copySize, end <= size, level < 8 else {
            throw TileError(.missingFile, "the node at level \(level), index \(index) is not in the followed tree of size \(size)")
        }
        return MerkleTree(leafHashes: leaves[Int(begin - copySize)..<Int(end - copySize)]).rootHash
    }
}
