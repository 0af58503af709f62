import Foundation
import JejakAPI
import JejakCrypto
import JejakTlog

/// What ``JejakClient/mirror(to:)`` did.
public struct MirrorSummary: Hashable, Sendable {
    /// The tree size of the mirrored checkpoint.
    public var size: UInt64
    /// The tiles and bundles fetched and written.
    public var fetched: Int
    /// The tiles already in the directory, kept as they were.
    public var kept: Int
    /// The bytes written.
    public var bytes: Int
}

/// Mirroring a server's C2SP tlog-tiles tree into a directory (c2sp.org/tlog-mirror's tiles,
/// without its witness role): what `jejak export --from URL` does. The server can be
/// `jejak serve` or any static web server over an export: the mirror reads only `/checkpoint`
/// and `/tile/…`, and proves consistency from the tiles it fetched.
extension JejakClient {
    /// Fetches the server's latest checkpoint (its signatures verified against the policy) and
    /// every tile and entry bundle of its tree that the directory lacks, checks each entry
    /// against its leaf hash and the tiles against the checkpoint's root, proves the new tree
    /// consistent with the checkpoint the directory held and with the pinned one (a
    /// consistency proof computed from the verified tiles, so a static server needs no proof
    /// route), and only then writes the checkpoint and pins it: the directory is at every
    /// moment an export `jejak verify` accepts (of the old size, or of the new one). Tiles
    /// already in the directory are kept: a tile's path names its level, index and width, so
    /// in one log its bytes never change; a tile beyond the directory's checkpoint (left by a
    /// round that was killed) is fetched and checked again. A round that fails removes the
    /// tiles it wrote.
    ///
    /// - Throws: ``APIError/Code/unverifiedResponse`` when the checkpoint is not signed as the
    ///   policy asks or a tile does not match it; ``APIError/Code/splitView`` when the server's
    ///   tree is smaller than, or inconsistent with, the one the directory holds or the pinned
    ///   one (a rollback or a fork: the directory is left as it was); ``APIError/Code/localFile``
    ///   when the directory can't be written or holds another log; the client's errors.
    public func mirror(to directory: String) async throws -> MirrorSummary {
        let checkpoint = try await fetchCheckpoint()
        try verifySignatures(checkpoint)
        let size = checkpoint.checkpoint.size
        let log = TiledLog(directory: directory)
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw APIError(.localFile, "cannot create \(directory): \(error.localizedDescription)", underlying: error)
        }
        let held = try heldCheckpoint(log, origin: checkpoint.checkpoint.origin)
        let verified = [held, pin.current].compactMap { $0 }
        for older in verified where older.checkpoint.size > size {
            throw Self.splitView(older, checkpoint, "the server's tree is smaller than one verified before: the log was rolled back")
        }
        var summary = MirrorSummary(size: size, fetched: 0, kept: 0, bytes: 0)
        var written: [String] = []
        do {
            for tile in Tiles.hashTiles(treeSize: size) + Tiles.entryBundles(treeSize: size) {
                // Only a tile the held checkpoint vouches for is kept: one beyond it was left
                // by a round that did not finish (killed, or refused), and is fetched again.
                if log.exists(tile.path), tile.isCovered(byTreeSize: held?.checkpoint.size ?? 0) {
                    summary.kept += 1
                    continue
                }
                let bytes = try await send(.GET, "/" + tile.path)
                try check(tile, bytes, log: log)
                try write(bytes, to: log.filePath(tile.path))
                written.append(log.filePath(tile.path))
                summary.fetched += 1
                summary.bytes += bytes.count
            }
            let root: SHA256Digest
            do { root = try log.rootHash(treeSize: size) } catch {
                throw APIError(.unverifiedResponse, "the mirrored tiles can't be read back: \(error.message)", underlying: error)
            }
            guard root == checkpoint.checkpoint.rootHash else {
                throw APIError(.unverifiedResponse, "the tiles the server served do not hash to the root of its checkpoint of size \(size)")
            }
            for older in verified {
                try Self.proveConsistent(older, checkpoint, from: log)
            }
        } catch {
            // Tiles no checkpoint vouches for would be kept as they are by the next mirror.
            for path in written { unlink(path) }
            throw error
        }
        let text = Array(checkpoint.note.serialized.utf8)
        sync()  // every tile on disk before the checkpoint that refers to them
        try DurableFile.replace(log.filePath(TiledLog.checkpointPath), with: text)
        try pinVerified(checkpoint)
        summary.bytes += text.count
        return summary
    }

    /// The checkpoint a directory already holds (written by an earlier mirror, after its tiles
    /// were verified), or nil for a new directory.
    ///
    /// - Throws: ``APIError/Code/localFile`` when it can't be read or is another log's.
    private func heldCheckpoint(_ log: TiledLog, origin: String) throws(APIError) -> SignedCheckpoint? {
        let held: SignedCheckpoint
        do { held = try log.checkpoint() } catch where error.code == .missingFile {
            return nil
        } catch {
            throw APIError(.localFile, "\(log.directory) can't be mirrored into: \(error.message)", underlying: error)
        }
        guard held.checkpoint.origin.sameBytes(as: origin) else {
            throw APIError(.localFile, "\(log.directory) holds a copy of the log \"\(held.checkpoint.origin)\", not of \"\(origin)\"")
        }
        return held
    }

    /// Proves the tree of `new`, whose tiles `log` holds and were checked against its root,
    /// consistent with the older tree of `old`: equal roots at equal sizes, else a consistency
    /// proof computed from those tiles (RFC 9162 §2.1.4) verified against both roots.
    private static func proveConsistent(_ old: SignedCheckpoint, _ new: SignedCheckpoint, from log: TiledLog) throws(APIError) {
        let (oldSize, newSize) = (old.checkpoint.size, new.checkpoint.size)
        if oldSize == newSize {
            guard old.checkpoint.rootHash == new.checkpoint.rootHash else { throw splitView(old, new, "the roots differ") }
            return
        }
        guard oldSize > 0 else { return }
        let proof: [SHA256Digest]
        do { proof = try log.consistencyProof(oldSize: oldSize, newSize: newSize) } catch {
            throw APIError(.unverifiedResponse, "a consistency proof can't be computed from the mirrored tiles: \(error.message)", underlying: error)
        }
        do {
            try ConsistencyProof.verify(oldSize: oldSize, newSize: newSize, oldRoot: old.checkpoint.rootHash,
                                        newRoot: new.checkpoint.rootHash, proof: proof)
        } catch {
            throw splitView(old, new, error.message)
        }
    }

    /// Checks a fetched tile's shape, and an entry bundle's entries against the level-0 hash
    /// tile of the same index (fetched before it).
    private func check(_ tile: Tile, _ bytes: [UInt8], log: TiledLog) throws(APIError) {
        do {
            switch tile.kind {
            case .hashes:
                _ = try Tiles.decodeHashTile(bytes, width: tile.width)
            case .entries:
                let entries = try Tiles.decodeEntryBundle(bytes, count: tile.width)
                let hashes = try Tiles.decodeHashTile(try log.bytes(of: try Tile(level: 0, index: tile.index, width: tile.width).path),
                                                      width: tile.width)
                for (i, (entry, hash)) in zip(entries, hashes).enumerated() where Merkle.leafHash(entry) != hash {
                    throw APIError(.unverifiedResponse, "entry \(tile.index * UInt64(Tile.fullWidth) + UInt64(i)) of \(tile.path) does not hash to its leaf hash")
                }
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.unverifiedResponse, "\(tile.path) from the server is not a tile of width \(tile.width): \(error)")
        }
    }

    private func write(_ bytes: [UInt8], to path: String) throws(APIError) {
        let folder = (path as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw APIError(.localFile, "cannot create \(folder): \(error.localizedDescription)", underlying: error)
        }
        try DurableFile.replace(path, with: bytes, durable: false)
    }
}
