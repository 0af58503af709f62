#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import JejakBase
import JejakCrypto
import JejakTlog
import Synchronization

/// A c2sp.org/tlog-mirror mirror: a cosigner that keeps a verified copy of each log it trusts,
/// in the tlog-tiles layout, and cosigns a checkpoint only once every entry below it is on its
/// disk and the tiles it computed itself hash to the checkpoint's root.
///
/// Its state directory holds:
///
/// ```
/// STATE/
///   mirror.key                          the cosignature (type 0x04) private key, mode 0600
///   mirror.vkey                         its vkey
///   logs/<sha256(origin) hex>/log.vkey  the log key trusted for that origin
///   logs/<sha256(origin) hex>/pending   the pending checkpoint (the log's signatures only)
///   logs/<sha256(origin) hex>/checkpoint  the mirror checkpoint, with the mirror's cosignature
///   logs/<sha256(origin) hex>/tile/…    entry bundles and hash tiles
/// ```
///
/// `logs/<sha256(origin) hex>/` is what the mirror serves at its monitoring prefix: a tlog-tiles
/// log that `jejak verify`, `jejak export --from` and `Tools/verify-export.py` read as any other.
///
/// Updates follow the spec's three stages. ``addCheckpoint(_:)`` moves the pending checkpoint
/// forward under the rules of a witness's add-checkpoint (consistent with the pending one, never
/// smaller, never another root at the same size), signing nothing. ``addEntries(_:)``
/// authenticates each entry package against the checkpoint of the upload's end with its subtree
/// consistency proof before writing its bundle, and once the mirror holds every entry up to that
/// end, computes the hash tiles from the entries, checks their root, syncs, and only then
/// cosigns and stores the new mirror checkpoint. Updates are serialized by a lock; an update
/// interrupted at any point leaves a copy that the next one continues (bundles are written
/// whole, the next entry is found again from them).
///
/// ```swift
/// let mirror = try Mirror.initialize(stateDirectory: "/var/lib/mirror", name: "mirror.kpu-jatim.go.id/m1")
/// try mirror.trust(log: logKey)
/// try mirror.addCheckpoint(AddCheckpointRequest(parsing: body))
/// switch try mirror.addEntries(AddEntriesRequest(parsing: upload)) {
/// case .committed(let checkpoint): …   // cosigned by the mirror
/// case .accepted(let info): …          // send more from info.nextEntry
/// }
/// ```
public final class Mirror: Sendable {
    /// What an `add-entries` request did.
    public enum AddEntriesResult: Hashable, Sendable {
        /// Every entry up to the upload's end is held: the mirror checkpoint, cosigned (200).
        case committed(SignedCheckpoint)
        /// Some packages were taken, more are needed from `nextEntry` (202).
        case accepted(MirrorInfo)
    }

    /// The state directory.
    public let stateDirectory: String
    /// The mirror's public key (a cosignature/v1 vkey); its name is the mirror's name.
    public let key: VerifierKey
    private let signer: SignerKey
    private let clock: @Sendable () -> UInt64
    private let lock = Mutex(())
    /// The open `lock` file whose exclusive flock(2) this mirror holds: one process per state
    /// directory (two would race add-checkpoint's check and write).
    private let stateLock: Int32

    /// The system clock in POSIX seconds, the default clock of cosignature timestamps.
    public static let systemClock: @Sendable () -> UInt64 = { UInt64(max(0, time(nil))) }

    /// The most entries below its next entry an upload may re-send.
    public static let maxExcessEntries: UInt64 = 8192

    // MARK: Creating and opening

    /// Makes a new mirror in `stateDirectory`: a cosignature key named `name` (mode 0600).
    ///
    /// - Throws: ``MirrorError`` with code ``MirrorError/Code/alreadyInitialized``,
    ///   ``MirrorError/Code/keyFile`` or ``MirrorError/Code/stateIO``.
    public static func initialize(stateDirectory: String, name: String,
                                  clock: @escaping @Sendable () -> UInt64 = systemClock) throws(MirrorError) -> Mirror {
        try makeDirectory(stateDirectory)
        let keyPath = stateDirectory + "/mirror.key"
        guard access(keyPath, F_OK) != 0 else {
            throw MirrorError(.alreadyInitialized, "\(stateDirectory) already holds a mirror key")
        }
        do {
            let key = try SignerKey.generate(name: name, type: .cosignatureV1)
            try KeyFile.write(key, to: keyPath)
            try write(Array((key.verifierKey.description + "\n").utf8), to: stateDirectory + "/mirror.vkey")
        } catch let error as MirrorError {
            throw error
        } catch {
            throw MirrorError(.keyFile, "the mirror key can't be made: \(error)", underlying: error)
        }
        return try Mirror(stateDirectory: stateDirectory, clock: clock)
    }

    /// Opens the mirror whose state is in `stateDirectory`, holding its lock until released.
    ///
    /// - Throws: ``MirrorError/Code/notInitialized``, ``MirrorError/Code/keyFile``, or
    ///   ``MirrorError/Code/stateInUse`` while another `Mirror` (in any process) has it open.
    public init(stateDirectory: String, clock: @escaping @Sendable () -> UInt64 = systemClock) throws(MirrorError) {
        let keyPath = stateDirectory + "/mirror.key"
        guard access(keyPath, F_OK) == 0 else {
            throw MirrorError(.notInitialized, "\(stateDirectory) holds no mirror key; make one with `jejak mirror init`")
        }
        let signer: SignerKey
        do { signer = try KeyFile.read(from: keyPath) } catch {
            throw MirrorError(.keyFile, error.message, underlying: error)
        }
        guard signer.type == .cosignatureV1 else {
            throw MirrorError(.keyFile, "\(keyPath) is not a cosignature (type 0x04) key")
        }
        let lockPath = stateDirectory + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw MirrorError(.stateIO, "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another process (or mirror) has it open" : String(cString: strerror(errno))
            close(fd)
            throw MirrorError(.stateInUse, "\(stateDirectory) is in use: \(reason); one mirror per state directory")
        }
        self.stateLock = fd
        self.stateDirectory = stateDirectory
        self.signer = signer
        self.key = signer.verifierKey
        self.clock = clock
    }

    deinit {
        close(stateLock)  // releases the flock
    }

    // MARK: Logs

    /// The directory of the mirror's copy of `origin`'s log: what it serves at
    /// `<monitoring prefix>/<sha256(origin) hex>`.
    public func logDirectory(origin: String) -> String {
        stateDirectory + "/logs/" + Self.originHash(origin)
    }

    /// The lowercase hex SHA-256 of an origin: the path segment of its copy.
    public static func originHash(_ origin: String) -> String { SHA256Digest.hash(Array(origin.utf8)).hex }

    /// Trusts `logKey` for the log of its name (its origin), and carries the cosignatures of
    /// `witnesses` on its checkpoints.
    ///
    /// The pending and mirror checkpoints keep the log's signature (the spec asks it) and every
    /// cosignature that verifies with one of `witnesses`, such as the Inspektorat's, so a
    /// relying party whose policy asks for a witness quorum can read the copy as it reads the
    /// log. Any other line is dropped: the mirror serves no signature it has not verified.
    /// Trusting the same key again replaces the witnesses.
    ///
    /// - Throws: ``MirrorError/Code/unsupportedLogKey`` for a key that is not Ed25519;
    ///   ``MirrorError/Code/logKeyMismatch`` when another key is trusted for it;
    ///   ``MirrorError/Code/stateIO``.
    public func trust(log logKey: VerifierKey, witnesses: [VerifierKey] = []) throws(MirrorError) {
        guard logKey.type == .ed25519 else {
            throw MirrorError(.unsupportedLogKey, "\(logKey.hint) is not an Ed25519 log key; a log signs its checkpoints with one")
        }
        try lock.withLock { _ throws(MirrorError) in
            let directory = logDirectory(origin: logKey.name)
            if let known = try trustedKey(origin: logKey.name) {
                guard known == logKey else {
                    throw MirrorError(.logKeyMismatch, "the mirror already trusts another key for \(logKey.name)")
                }
            } else {
                try Self.makeDirectory(stateDirectory + "/logs")
                try Self.makeDirectory(directory)
                try Self.write(Array((logKey.description + "\n").utf8), to: directory + "/log.vkey")
            }
            let lines = witnesses.filter { $0.type == .cosignatureV1 }.map { $0.description + "\n" }.joined()
            try Self.write(Array(lines.utf8), to: directory + "/witnesses")
        }
    }

    /// The origins of the logs the mirror trusts.
    ///
    /// - Throws: ``MirrorError/Code/stateIO``, ``MirrorError/Code/corruptState``.
    public func trustedOrigins() throws(MirrorError) -> [String] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory + "/logs")) ?? []
        var origins: [String] = []
        for folder in folders.sorted() {
            guard let text = try Self.read(stateDirectory + "/logs/" + folder + "/log.vkey") else { continue }
            guard let key = try? VerifierKey(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  Self.originHash(key.name).utf8.elementsEqual(folder.utf8) else {
                throw MirrorError(.corruptState, "\(stateDirectory)/logs/\(folder)/log.vkey does not hold the key of the log it is filed under")
            }
            origins.append(key.name)
        }
        return origins
    }

    /// The witnesses whose cosignatures the mirror carries on `origin`'s checkpoints.
    ///
    /// - Throws: ``MirrorError/Code/stateIO``, ``MirrorError/Code/corruptState``.
    public func witnesses(origin: String) throws(MirrorError) -> [VerifierKey] {
        guard let text = try Self.read(logDirectory(origin: origin) + "/witnesses") else { return [] }
        var keys: [VerifierKey] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            guard let key = try? VerifierKey(parsing: String(line)), key.type == .cosignatureV1 else {
                throw MirrorError(.corruptState, "\(logDirectory(origin: origin))/witnesses holds a line that is not a cosignature vkey")
            }
            keys.append(key)
        }
        return keys
    }

    /// The log key trusted for `origin`, or nil.
    ///
    /// - Throws: ``MirrorError/Code/stateIO``, ``MirrorError/Code/corruptState``.
    public func trustedKey(origin: String) throws(MirrorError) -> VerifierKey? {
        guard let text = try Self.read(logDirectory(origin: origin) + "/log.vkey") else { return nil }
        guard let key = try? VerifierKey(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              key.name.sameBytes(as: origin), key.type == .ed25519 else {
            throw MirrorError(.corruptState, "\(logDirectory(origin: origin))/log.vkey does not hold a log vkey for \(origin)")
        }
        return key
    }

    /// The mirror checkpoint of `origin` (with the mirror's cosignature), or nil before the first.
    ///
    /// - Throws: ``MirrorError/Code/stateIO``, ``MirrorError/Code/corruptState``.
    public func mirrorCheckpoint(origin: String) throws(MirrorError) -> SignedCheckpoint? {
        try checkpointFile(logDirectory(origin: origin) + "/checkpoint")
    }

    /// The pending checkpoint of `origin`, or nil before the first add-checkpoint.
    ///
    /// - Throws: ``MirrorError/Code/stateIO``, ``MirrorError/Code/corruptState``.
    public func pendingCheckpoint(origin: String) throws(MirrorError) -> SignedCheckpoint? {
        try checkpointFile(logDirectory(origin: origin) + "/pending")
    }

    /// The first index at or above the mirror checkpoint that the copy does not hold.
    ///
    /// - Throws: ``MirrorError/Code/stateIO``, ``MirrorError/Code/corruptState``.
    public func nextEntry(origin: String) throws(MirrorError) -> UInt64 {
        let size = try mirrorCheckpoint(origin: origin)?.checkpoint.size ?? 0
        return heldEnd(origin: origin, from: size)
    }

    // MARK: add-checkpoint

    /// Moves the pending checkpoint of a log forward (c2sp.org/tlog-mirror add-checkpoint,
    /// handled as a witness's but signing nothing): the log's signature must verify, the old
    /// size must be the pending size, and the checkpoint must be consistent with the pending
    /// one. The log's signatures are kept; other lines are dropped.
    ///
    /// - Throws: ``MirrorError`` with code ``MirrorError/Code/unknownLog``,
    ///   ``MirrorError/Code/missingLogSignature``, ``MirrorError/Code/invalidLogSignature``,
    ///   ``MirrorError/Code/oldSizeBeyondCheckpoint``, ``MirrorError/Code/oldSizeMismatch``,
    ///   ``MirrorError/Code/rollback``, ``MirrorError/Code/fork``,
    ///   ``MirrorError/Code/inconsistent`` (nothing is changed then), or
    ///   ``MirrorError/Code/stateIO``.
    public func addCheckpoint(_ request: AddCheckpointRequest) throws(MirrorError) {
        let cp = request.checkpoint.checkpoint
        try lock.withLock { _ throws(MirrorError) in
            let logSigned = try verifiedBySignature(request.checkpoint)
            guard request.oldSize <= cp.size else {
                throw MirrorError(.oldSizeBeyondCheckpoint, "the old size \(request.oldSize) is larger than the checkpoint's size \(cp.size)")
            }
            let pending = try pendingCheckpoint(origin: cp.origin)?.checkpoint
            let pendingSize = pending?.size ?? 0
            guard request.oldSize == pendingSize else {
                throw MirrorError(.oldSizeMismatch, "the request's old size is \(request.oldSize), but the mirror's pending checkpoint of \(cp.origin) has size \(pendingSize)")
            }
            guard cp.size > 0 || cp.rootHash == Merkle.emptyRoot else {
                throw MirrorError(.inconsistent, "a checkpoint of size 0 must have the empty tree's root")
            }
            if let pending {
                guard cp.size >= pending.size else {
                    throw MirrorError(.rollback, "the checkpoint of size \(cp.size) is smaller than the pending checkpoint of size \(pending.size) (a rollback)")
                }
                guard cp.size > pending.size || cp.rootHash == pending.rootHash else {
                    throw MirrorError(.fork, "the checkpoint of size \(cp.size) has root \(cp.rootHash.base64), but the mirror holds root \(pending.rootHash.base64) for that size (a fork)")
                }
            }
            if let pending, pending.size > 0 {
                do throws(ProofError) {
                    try ConsistencyProof.verify(oldSize: pending.size, newSize: cp.size, oldRoot: pending.rootHash,
                                                newRoot: cp.rootHash, proof: request.consistencyProof)
                } catch {
                    throw MirrorError(.inconsistent, "the checkpoint of size \(cp.size) is not consistent with the pending checkpoint of size \(pending.size): \(error.message)", underlying: error)
                }
            } else if !request.consistencyProof.isEmpty {
                throw MirrorError(.inconsistent, "no consistency proof is needed from the empty tree, but \(request.consistencyProof.count) hashes were given")
            }
            try Self.write(Array(logSigned.serialized.utf8), to: logDirectory(origin: cp.origin) + "/pending")
        }
    }

    // MARK: add-entries

    /// Takes the entry packages of an upload (c2sp.org/tlog-mirror add-entries): checks the
    /// interval against the pending and mirror checkpoints and the next entry, authenticates each
    /// package with its subtree consistency proof and writes its bundle, and, when the copy
    /// holds every entry below the upload's end, commits: computes the hash tiles from the
    /// entries, checks their root against the checkpoint, syncs, cosigns and stores the mirror
    /// checkpoint (never moving it back).
    ///
    /// - Returns: ``AddEntriesResult/committed(_:)`` with the mirror checkpoint, or
    ///   ``AddEntriesResult/accepted(_:)`` with where to continue.
    /// - Throws: ``MirrorError`` with code ``MirrorError/Code/unknownLog``,
    ///   ``MirrorError/Code/noPendingCheckpoint``, ``MirrorError/Code/unknownUploadEnd``,
    ///   ``MirrorError/Code/uploadBehind``, ``MirrorError/Code/uploadGap``,
    ///   ``MirrorError/Code/tooManyExcessEntries`` (nothing taken);
    ///   ``MirrorError/Code/unauthenticatedPackage`` (the packages before it are kept: they were
    ///   authenticated); ``MirrorError/Code/malformedUpload`` (no whole package in a non-empty
    ///   upload); ``MirrorError/Code/stateIO``, ``MirrorError/Code/corruptState``.
    public func addEntries(_ request: AddEntriesRequest) throws(MirrorError) -> AddEntriesResult {
        try lock.withLock { _ throws(MirrorError) -> AddEntriesResult in
            let origin = request.origin
            guard try trustedKey(origin: origin) != nil else {
                throw MirrorError(.unknownLog, "the mirror trusts no log key for the origin \(origin)")
            }
            guard let pending = try pendingCheckpoint(origin: origin) else {
                throw MirrorError(.noPendingCheckpoint, "the mirror has no pending checkpoint of \(origin): add-checkpoint first")
            }
            let mirrored = try mirrorCheckpoint(origin: origin)
            let mirrorSize = mirrored?.checkpoint.size ?? 0
            let (start, end) = (request.uploadStart, request.uploadEnd)
            let target: SignedCheckpoint
            if end == pending.checkpoint.size {
                target = pending
            } else if let mirrored, end == mirrorSize {
                target = mirrored
            } else {
                throw MirrorError(.unknownUploadEnd, "upload_end \(end) is neither the pending checkpoint's size \(pending.checkpoint.size) nor the mirror's \(mirrorSize)")
            }
            guard end >= mirrorSize else {
                throw MirrorError(.uploadBehind, "upload_end \(end) is below the mirror checkpoint's size \(mirrorSize)")
            }
            var next = heldEnd(origin: origin, from: mirrorSize)
            guard start <= next else {
                throw MirrorError(.uploadGap, "upload_start \(start) is beyond the mirror's next entry \(next)")
            }
            guard min(end, next) - start <= Self.maxExcessEntries else {
                throw MirrorError(.tooManyExcessEntries, "the upload re-sends \(min(end, next) - start) entries the mirror holds, more than \(Self.maxExcessEntries)")
            }
            let intervals = AddEntriesRequest.packageIntervals(start: start, end: end)
            if !intervals.isEmpty && request.packages.isEmpty {
                throw MirrorError(.malformedUpload, "the upload of \(start)..<\(end) holds no whole entry package")
            }
            let log = TiledLog(directory: logDirectory(origin: origin))
            for (package, interval) in zip(request.packages, intervals) {
                try take(package, interval: interval, against: target, next: &next, log: log)
            }
            guard next >= end else {
                return .accepted(MirrorInfo(treeSize: end, nextEntry: next))
            }
            if let mirrored, end == mirrorSize, !Self.carriesMore(target, than: mirrored) { return .committed(mirrored) }
            // A new tree, or the same tree with cosignatures the mirror checkpoint lacks.
            return .committed(try commit(target, log: log))
        }
    }

    /// Authenticates one package and writes its bundle (held prefix + new entries).
    private func take(_ package: EntryPackage, interval: Range<UInt64>, against checkpoint: SignedCheckpoint,
                      next: inout UInt64, log: TiledLog) throws(MirrorError) {
        let width = UInt64(Tile.fullWidth)
        let bundle = interval.lowerBound / width
        let bundleStart = bundle * width
        guard package.start == interval.lowerBound, package.end == interval.upperBound else {
            throw MirrorError(.malformedUpload, "a package does not cover \(interval.lowerBound)..<\(interval.upperBound)")
        }
        // The entries of the bundle the copy already holds below the package.
        var entries: [[UInt8]] = []
        if interval.lowerBound > bundleStart {
            let held = min(next, bundleStart + width)
            do {
                entries = Array(try log.entryBundle(index: bundle, treeSize: held).prefix(Int(interval.lowerBound - bundleStart)))
            } catch {
                throw MirrorError(.corruptState, "the copy's bundle \(bundle) can't be read: \(error.message)", underlying: error)
            }
        }
        entries.append(contentsOf: package.entries)
        let subtree: Subtree
        do { subtree = try Subtree(start: bundleStart, end: interval.upperBound) } catch {
            throw MirrorError(.malformedUpload, error.message, underlying: error)
        }
        do {
            try SubtreeConsistencyProof.verify(subtree, size: checkpoint.checkpoint.size, proof: package.proof,
                                               subtreeHash: MerkleTree(leafHashes: entries.map { Merkle.leafHash($0) }).rootHash,
                                               root: checkpoint.checkpoint.rootHash)
        } catch {
            throw MirrorError(.unauthenticatedPackage, "the package of entries \(interval.lowerBound)..<\(interval.upperBound) is not in the checkpoint of size \(checkpoint.checkpoint.size): \(error.message)", underlying: error)
        }
        guard interval.upperBound > next else { return }  // every entry is held already
        let tile: Tile
        let bytes: [UInt8]
        do {
            tile = try Tile(entriesIndex: bundle, width: entries.count)
            bytes = try Tiles.encodeEntryBundle(entries)
        } catch {
            throw MirrorError(.malformedUpload, error.message, underlying: error)
        }
        try Self.write(bytes, to: log.filePath(tile.path))
        next = interval.upperBound
    }

    /// Computes the hash tiles the tree of `checkpoint` lacks from the entries, checks the root,
    /// then cosigns and stores the mirror checkpoint (every file is synced as it is written).
    private func commit(_ checkpoint: SignedCheckpoint, log: TiledLog) throws(MirrorError) -> SignedCheckpoint {
        let size = checkpoint.checkpoint.size
        do {
            // Level by level, so each tile's hashes are the roots of tiles already on disk.
            let tiles = Tiles.hashTiles(treeSize: size).compactMap { tile -> (Int, Tile)? in
                guard case .hashes(let level) = tile.kind else { return nil }
                return (level, tile)
            }
            for (level, tile) in tiles.sorted(by: { $0.0 < $1.0 }) where !log.exists(tile.path) {
                var hashes: [SHA256Digest] = []
                hashes.reserveCapacity(tile.width)
                if level == 0 {
                    hashes = try log.entryBundle(index: tile.index, treeSize: size).map { Merkle.leafHash($0) }
                } else {
                    for j in 0..<UInt64(tile.width) {
                        let below = try log.hashes(try Tile(level: level - 1, index: tile.index * UInt64(Tile.fullWidth) + j))
                        hashes.append(MerkleTree(leafHashes: below).rootHash)
                    }
                }
                try Self.write(Tiles.encodeHashTile(hashes), to: log.filePath(tile.path))
            }
            guard try log.rootHash(treeSize: size) == checkpoint.checkpoint.rootHash else {
                throw MirrorError(.corruptState, "the tiles the mirror computed for size \(size) do not hash to the checkpoint's root")
            }
        } catch let error as MirrorError {
            throw error
        } catch {
            throw MirrorError(.corruptState, "the copy's tiles of size \(size) can't be computed: \(error)", underlying: error)
        }
        // Every bundle and tile was synced as it was written: the checkpoint that vouches for them comes last.
        let cosigned: SignedCheckpoint
        do { cosigned = try checkpoint.cosigned(by: signer, timestamp: clock()) } catch {
            throw MirrorError(.keyFile, "the checkpoint could not be cosigned: \(error.message)", underlying: error)
        }
        try Self.write(Array(cosigned.serialized.utf8), to: log.filePath(TiledLog.checkpointPath))
        return cosigned
    }

    // MARK: Helpers

    /// The checkpoint with only its verified signatures: the trusted log key's (at least one,
    /// and all must verify) and the trusted witnesses' cosignatures that verify.
    func verifiedBySignature(_ checkpoint: SignedCheckpoint) throws(MirrorError) -> SignedCheckpoint {
        let origin = checkpoint.checkpoint.origin
        guard let logKey = try trustedKey(origin: origin) else {
            throw MirrorError(.unknownLog, "the mirror trusts no log key for the origin \(origin)")
        }
        let lines = checkpoint.note.signatures.filter { $0.matches(logKey) }
        guard !lines.isEmpty else {
            throw MirrorError(.missingLogSignature, "the checkpoint has no signature by the log key \(logKey.hint)")
        }
        guard lines.allSatisfy({ logKey.verify(noteText: checkpoint.note.text, signature: $0.signature) }) else {
            throw MirrorError(.invalidLogSignature, "a signature by the log key \(logKey.hint) does not verify")
        }
        let witnesses = try witnesses(origin: origin)
        let cosignatures = checkpoint.note.signatures.filter { line in
            witnesses.contains { $0 != key && line.matches($0) && $0.verify(noteText: checkpoint.note.text, signature: line.signature) }
        }
        do {
            return try SignedCheckpoint(note: SignedNote(text: checkpoint.note.text, signatures: lines + cosignatures))
        } catch {
            throw MirrorError(.invalidLogSignature, "the checkpoint can't be rebuilt with its verified signatures: \(error)")
        }
    }

    /// One past the last entry held contiguously from `size`, found from the bundles on disk.
    private func heldEnd(origin: String, from size: UInt64) -> UInt64 {
        let log = TiledLog(directory: logDirectory(origin: origin))
        let width = UInt64(Tile.fullWidth)
        var bundle = size / width
        while true {
            guard let full = try? Tile(entriesIndex: bundle) else { return size }
            if log.exists(full.path) {
                bundle += 1
                continue
            }
            let partials = (try? FileManager.default.contentsOfDirectory(atPath: log.filePath(full.path + ".p"))) ?? []
            let widest = partials.compactMap { Int($0) }.filter { (1..<Tile.fullWidth).contains($0) }.max() ?? 0
            return max(size, bundle * width + UInt64(widest))
        }
    }

    /// Whether `pending` is `mirrored`'s tree with a signature line `mirrored` lacks.
    static func carriesMore(_ pending: SignedCheckpoint, than mirrored: SignedCheckpoint) -> Bool {
        guard pending.note.text == mirrored.note.text else { return true }
        let held = Set(mirrored.note.signatures.map(\.line))
        return pending.note.signatures.contains { !held.contains($0.line) }
    }

    private func checkpointFile(_ path: String) throws(MirrorError) -> SignedCheckpoint? {
        guard let text = try Self.read(path) else { return nil }
        do { return try SignedCheckpoint(parsing: text) } catch {
            throw MirrorError(.corruptState, "\(path) does not hold a checkpoint: \(error.message)", underlying: error)
        }
    }

    private static func makeDirectory(_ path: String) throws(MirrorError) {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw MirrorError(.stateIO, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes a file whole (AtomicFile: synced, renamed, directory synced).
    private static func write(_ bytes: [UInt8], to path: String) throws(MirrorError) {
        let folder = (path as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw MirrorError(.stateIO, "cannot create \(folder): \(error.localizedDescription)")
        }
        do { try AtomicFile.write(bytes, to: path) } catch {
            throw MirrorError(.stateIO, error.message, underlying: error)
        }
    }

    private static func read(_ path: String) throws(MirrorError) -> String? {
        do { return try AtomicFile.readIfPresent(path) } catch {
            throw MirrorError(.stateIO, error.message, underlying: error)
        }
    }
}
