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
    /// The full tiles already in the directory, kept as they were.
    public var kept: Int
    /// The bytes written.
    public var bytes: Int
}

/// Mirroring a server's C2SP tlog-tiles tree into a directory (c2sp.org/tlog-mirror's tiles,
/// without its witness role): what `jejak export --from URL` does.
extension JejakClient {
    /// Fetches the server's latest checkpoint (verified and consistent with the pinned one) and
    /// every tile and entry bundle of its tree that the directory lacks, checks each entry
    /// against its leaf hash and the tiles against the checkpoint's root, and only then writes
    /// the checkpoint: the directory is at every moment an export `jejak verify` accepts (of
    /// the old size, or of the new one). Full tiles already in the directory are kept (they
    /// never change); partial ones are fetched again.
    ///
    /// - Throws: ``APIError/Code/unverifiedResponse`` when a tile does not match the checkpoint;
    ///   ``APIError/Code/localFile`` when the directory can't be written; the client's errors.
    public func mirror(to directory: String) async throws -> MirrorSummary {
        let checkpoint = try await latestCheckpoint()
        let size = checkpoint.checkpoint.size
        let log = TiledLog(directory: directory)
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw APIError(.localFile, "cannot create \(directory): \(error.localizedDescription)", underlying: error)
        }
        var summary = MirrorSummary(size: size, fetched: 0, kept: 0, bytes: 0)
        for tile in Tiles.hashTiles(treeSize: size) + Tiles.entryBundles(treeSize: size) {
            if tile.isFull, log.exists(tile.path) {
                summary.kept += 1
                continue
            }
            let bytes = try await send(.GET, "/" + tile.path)
            try check(tile, bytes, log: log)
            try write(bytes, to: log.filePath(tile.path))
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
        let text = Array(checkpoint.note.serialized.utf8)
        sync()  // every tile on disk before the checkpoint that refers to them
        try DurableFile.replace(log.filePath(TiledLog.checkpointPath), with: text)
        summary.bytes += text.count
        return summary
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
