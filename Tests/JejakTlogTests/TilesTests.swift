import Foundation
import JejakCrypto
import Testing

@testable import JejakTlog

func tileCode<R>(_ body: () throws(TileError) -> R) -> TileError.Code? {
    do {
        _ = try body()
        return nil
    } catch {
        return error.code
    }
}

@Suite("tlog-tiles")
struct TilesTests {
    // MARK: Paths

    @Test("tile indexes are written in x-prefixed 3-digit elements, as in the spec")
    func indexEncoding() throws {
        #expect(Tile.encodeIndex(1_234_067) == "x001/x234/067")  // the spec's example
        #expect(Tile.encodeIndex(0) == "000")
        #expect(Tile.encodeIndex(5) == "005")
        #expect(Tile.encodeIndex(999) == "999")
        #expect(Tile.encodeIndex(1000) == "x001/000")
        #expect(Tile.encodeIndex(273) == "273")
        #expect(Tile.encodeIndex(1_000_000) == "x001/x000/000")
        #expect(Tile.encodeIndex(.max) == "x018/x446/x744/x073/x709/x551/615")
        for n: UInt64 in [0, 7, 999, 1000, 1001, 65_535, 1_234_067, 1_000_000_000, .max] {
            #expect(try Tile.decodeIndex(Tile.encodeIndex(n)) == n)
        }
    }

    @Test("tile paths: full and partial hash tiles and entry bundles")
    func paths() throws {
        #expect(try Tile(level: 0, index: 1_234_067).path == "tile/0/x001/x234/067")
        #expect(try Tile(level: 0, index: 1_234_067, width: 8).path == "tile/0/x001/x234/067.p/8")
        #expect(try Tile(level: 2, index: 0, width: 1).path == "tile/2/000.p/1")
        #expect(try Tile(entriesIndex: 1000).path == "tile/entries/x001/000")
        #expect(try Tile(entriesIndex: 273, width: 112).path == "tile/entries/273.p/112")
        #expect(try Tile(level: 63, index: 0).path == "tile/63/000")

        for path in ["tile/0/x001/x234/067", "tile/0/x001/x234/067.p/8", "tile/entries/000", "tile/entries/x001/000.p/255",
                     "tile/1/001.p/17", "tile/63/999"] {
            #expect(try Tile(path: path).path == path)
        }
        let parsed = try Tile(path: "tile/3/x002/010.p/3")
        #expect(parsed.kind == .hashes(level: 3) && parsed.index == 2010 && parsed.width == 3 && !parsed.isFull)
        #expect(try Tile(path: "tile/entries/005").kind == .entries)
    }

    @Test("non-canonical or impossible paths are refused")
    func malformedPaths() {
        for path in ["", "tile", "tile/0", "tiles/0/000", "tile/0/0", "tile/0/0000", "tile/0/x000/005", "tile/0/001/000",
                     "tile/0/x1/000", "tile/00/000", "tile/64/000", "tile/-1/000", "tile/data/000", "tile/0/000.p/0",
                     "tile/0/000.p/256", "tile/0/000.p/08", "tile/0/000.p/", "tile/0/000/", "tile/0/00a",
                     "tile/entries/000.p", "tile/0/x019/x000/x000/x000/x000/x000/000", "/tile/0/000"] {
            #expect(tileCode { () throws(TileError) in try Tile(path: path) } == .malformedPath, "\(path)")
        }
        #expect(tileCode { () throws(TileError) in try Tile(level: 64, index: 0) } == .invalidLevel)
        #expect(tileCode { () throws(TileError) in try Tile(level: 0, index: 0, width: 0) } == .invalidWidth)
        #expect(tileCode { () throws(TileError) in try Tile(entriesIndex: 0, width: 257) } == .invalidWidth)
    }

    @Test("start and end indexes of tiles")
    func spans() throws {
        #expect(try Tile(level: 0, index: 2).startIndex == 512)
        #expect(try Tile(level: 0, index: 2).endIndex == 768)
        #expect(try Tile(level: 1, index: 1).startIndex == 65_536)
        #expect(try Tile(level: 1, index: 1, width: 17).endIndex == (256 + 17) * 256)
        #expect(try Tile(entriesIndex: 3, width: 5).endIndex == 3 * 256 + 5)
        #expect(try Tile(level: 8, index: 1).startIndex == nil)
        #expect(try Tile(level: 8, index: 0).startIndex == 0)
    }

    // MARK: Which tiles

    @Test("the tiles of trees of sizes 0, 1, 255, 256, 257, 65,539 and the spec's 70,000")
    func tileSets() throws {
        func paths(_ size: UInt64) -> [String] { Tiles.hashTiles(treeSize: size).map(\.path) }
        #expect(paths(0).isEmpty)
        #expect(Tiles.entryBundles(treeSize: 0).isEmpty)
        #expect(paths(1) == ["tile/0/000.p/1"])
        #expect(Tiles.entryBundles(treeSize: 1).map(\.path) == ["tile/entries/000.p/1"])
        #expect(paths(255) == ["tile/0/000.p/255"])
        // The spec: a tree of size 256 is a full level-0 tile and a partial level-1 tile of width 1.
        #expect(paths(256) == ["tile/0/000", "tile/1/000.p/1"])
        #expect(Tiles.entryBundles(treeSize: 256).map(\.path) == ["tile/entries/000"])
        #expect(paths(257) == ["tile/0/000", "tile/0/001.p/1", "tile/1/000.p/1"])
        #expect(Tiles.entryBundles(treeSize: 257).map(\.path) == ["tile/entries/000", "tile/entries/001.p/1"])

        let big = Tiles.hashTiles(treeSize: 65_536 + 3)
        #expect(big.count == 256 + 1 + 1 + 1)
        #expect(big.filter { $0.kind == .hashes(level: 0) && $0.isFull }.count == 256)
        #expect(big.filter { !$0.isFull }.map(\.path) == ["tile/0/256.p/3", "tile/2/000.p/1"])
        #expect(big.contains { $0.path == "tile/1/000" })
        #expect(!big.contains { $0.kind == .hashes(level: 1) && !$0.isFull }, "256 level-1 hashes make one full tile and no partial one")
        #expect(Tiles.entryBundles(treeSize: 65_539).count == 257)

        // The spec's example: 273 full level-0 tiles, 0/273.p/112, 1/000, 1/001.p/17, 2/000.p/1.
        let spec = Tiles.hashTiles(treeSize: 70_000)
        #expect(spec.filter { $0.kind == .hashes(level: 0) && $0.isFull }.count == 273)
        #expect(spec.filter { $0.kind != .hashes(level: 0) || !$0.isFull }.map(\.path)
                == ["tile/0/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"])
        #expect(Tiles.partialHashTiles(treeSize: 70_000).map(\.path) == ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"])

        #expect(Tiles.hashTileWidth(level: 1, index: 1, treeSize: 70_000) == 17)
        #expect(Tiles.hashTileWidth(level: 1, index: 2, treeSize: 70_000) == nil)
        #expect(Tiles.hashTileWidth(level: 3, index: 0, treeSize: 70_000) == nil)
        #expect(Tiles.entryBundleWidth(index: 273, treeSize: 70_000) == 112)
        #expect(Tiles.levels(treeSize: .max) == 0..<8)
    }

    // MARK: Bytes

    @Test("hash tiles are the hashes concatenated")
    func hashTileRoundTrip() throws {
        let hashes = (0..<256).map { SHA256Digest.hash([UInt8(truncatingIfNeeded: $0)]) }
        let bytes = Tiles.encodeHashTile(hashes)
        #expect(bytes.count == 8192)
        #expect(Array(bytes[32..<64]) == hashes[1].bytes)
        #expect(try Tiles.decodeHashTile(bytes, width: 256) == hashes)
        #expect(try Tiles.decodeHashTile(bytes[..<(5 * 32)]) == Array(hashes[..<5]))

        #expect(tileCode { () throws(TileError) in try Tiles.decodeHashTile([UInt8]()) } == .malformedTile)
        #expect(tileCode { () throws(TileError) in try Tiles.decodeHashTile(bytes.dropLast()) } == .malformedTile)
        #expect(tileCode { () throws(TileError) in try Tiles.decodeHashTile(bytes, width: 255) } == .malformedTile)
        #expect(tileCode { () throws(TileError) in try Tiles.decodeHashTile(bytes + bytes[..<32]) } == .malformedTile)
    }

    @Test("entry bundles are big-endian uint16 length-prefixed entries")
    func bundleRoundTrip() throws {
        let entries: [[UInt8]] = [Array("hello".utf8), [], [UInt8](repeating: 0xAB, count: 300),
                                  [UInt8](repeating: 7, count: Tiles.maxEntryBytes)]
        let bytes = try Tiles.encodeEntryBundle(entries)
        #expect(Array(bytes[0..<7]) == [0, 5] + Array("hello".utf8))
        #expect(Array(bytes[7..<9]) == [0, 0])
        #expect(Array(bytes[9..<11]) == [0x01, 0x2C])
        #expect(bytes.count == entries.reduce(0) { $0 + 2 + $1.count })
        #expect(try Tiles.decodeEntryBundle(bytes) == entries)
        #expect(try Tiles.decodeEntryBundle(bytes, count: 4) == entries)

        let full = (0..<256).map { Array("entry \($0)".utf8) }
        #expect(try Tiles.decodeEntryBundle(try Tiles.encodeEntryBundle(full), count: 256) == full)
    }

    @Test("malformed bundles and impossible entries are refused")
    func malformedBundles() throws {
        let bytes = try Tiles.encodeEntryBundle([Array("abc".utf8), Array("de".utf8)])
        #expect(tileCode { () throws(TileError) in try Tiles.decodeEntryBundle([UInt8]()) } == .malformedBundle)
        #expect(tileCode { () throws(TileError) in try Tiles.decodeEntryBundle(bytes.dropLast()) } == .malformedBundle)
        #expect(tileCode { () throws(TileError) in try Tiles.decodeEntryBundle(bytes + [0]) } == .malformedBundle)
        #expect(tileCode { () throws(TileError) in try Tiles.decodeEntryBundle([0, 9, 1, 2]) } == .malformedBundle)
        #expect(tileCode { () throws(TileError) in try Tiles.decodeEntryBundle(bytes, count: 3) } == .malformedBundle)
        let tooMany = [UInt8](repeating: 0, count: 2 * 257)  // 257 empty entries
        #expect(tileCode { () throws(TileError) in try Tiles.decodeEntryBundle(tooMany) } == .malformedBundle)

        #expect(tileCode { () throws(TileError) in
            try Tiles.encodeEntryBundle([[UInt8](repeating: 0, count: Tiles.maxEntryBytes + 1)])
        } == .entryTooLarge)
        #expect(tileCode { () throws(TileError) in try Tiles.encodeEntryBundle([[UInt8]]()) } == .invalidWidth)
        #expect(tileCode { () throws(TileError) in
            try Tiles.encodeEntryBundle([[UInt8]](repeating: [1], count: 257))
        } == .invalidWidth)
    }

    // MARK: Reading a tiles directory

    /// Writes the tiles of `tree` for `size` leaves into `dir` (full tiles and the partial
    /// ones of that size), as a log would.
    static func writeTiles(_ tree: MerkleTree, leaves: [[UInt8]], size: UInt64, to dir: String) throws {
        for tile in Tiles.hashTiles(treeSize: size) {
            guard case .hashes(let level) = tile.kind else { continue }
            let first = tile.index * 256
            let hashes = try (first..<(first + UInt64(tile.width))).map { try tree.hash(level: 8 * level, index: $0) }
            try write(Tiles.encodeHashTile(hashes), dir + "/" + tile.path)
        }
        for tile in Tiles.entryBundles(treeSize: size) {
            let first = Int(tile.index) * 256
            try write(try Tiles.encodeEntryBundle(leaves[first..<(first + tile.width)]), dir + "/" + tile.path)
        }
    }

    static func write(_ bytes: [UInt8], _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("TiledLog: roots, proofs and entries from tiles agree with the in-memory tree")
    func tiledLogReadsTiles() throws {
        let dir = NSTemporaryDirectory() + "jejak-tiles-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let size: UInt64 = 70_000
        let leaves = (0..<Int(size)).map { Array("leaf \($0)".utf8) }
        var tree = MerkleTree()
        for l in leaves { tree.append(leaf: l) }
        try Self.writeTiles(tree, leaves: leaves, size: size, to: dir)
        let checkpoint = try SignedCheckpoint.sign(Checkpoint(origin: TestKeys.origin, size: size, rootHash: tree.rootHash), with: TestKeys.log)
        try Self.write(Array(checkpoint.serialized.utf8), dir + "/checkpoint")

        let log = TiledLog(directory: dir + "/")
        #expect(try log.checkpoint() == checkpoint)
        #expect(try log.checkpointText() == checkpoint.serialized)
        #expect(try log.rootHash(treeSize: size) == tree.rootHash)
        for index: UInt64 in [0, 1, 255, 256, 65_535, 65_536, 69_999] {
            let proof = try log.inclusionProof(index: index, treeSize: size)
            #expect(proof == (try tree.inclusionProof(index: index, size: size)))
            try InclusionProof.verify(leafHash: Merkle.leafHash(leaves[Int(index)]), index: index, size: size,
                                      proof: proof, root: tree.rootHash)
        }
        // Smaller trees: only full tiles of this export are needed for a size on a tile boundary.
        for old: UInt64 in [256, 65_536] {
            #expect(try log.rootHash(treeSize: old) == (try tree.rootHash(size: old)))
        }
        #expect(try log.consistencyProof(oldSize: 65_536, newSize: size) == (try tree.consistencyProof(oldSize: 65_536, newSize: size)))
        #expect(try log.entries(from: 250, to: 520, treeSize: size) == Array(leaves[250..<520]))
        #expect(try log.entries(from: 69_990, to: size, treeSize: size) == Array(leaves[69_990...]))
        #expect(try log.entries(from: 5, to: 5, treeSize: size).isEmpty)
        #expect(try log.hashTile(level: 2, index: 0, treeSize: size) == [try tree.hash(level: 16, index: 0)])

        // A size whose partial tiles were never written: the files are named.
        let missing = #expect(throws: TileError.self) { try log.rootHash(treeSize: size - 1) }
        #expect(missing?.code == .missingFile)
        #expect(missing?.file == dir + "/tile/0/273.p/111")
        // Where the full tile exists, a partial one of a smaller size is read from it.
        #expect(try log.rootHash(treeSize: 300) == (try tree.rootHash(size: 300)))
        #expect(tileCode { () throws(TileError) in try log.entries(from: 0, to: size + 1, treeSize: size) } == .outOfRange)
        #expect(tileCode { () throws(TileError) in try log.inclusionProof(index: size, treeSize: size) } == .outOfRange)

        // A partial tile that is gone is read from the full tile, once that exists.
        let grown = TiledLog(directory: dir)
        try FileManager.default.removeItem(atPath: dir + "/tile/0/273.p/112")
        #expect(tileCode { () throws(TileError) in try grown.rootHash(treeSize: size) } == .missingFile)
        var more = tree
        var allLeaves = leaves
        for i in Int(size)..<(274 * 256) {
            allLeaves.append(Array("leaf \(i)".utf8))
            more.append(leaf: allLeaves[i])
        }
        try Self.write(Tiles.encodeHashTile(try (273 * 256..<274 * 256).map { try more.hash(level: 0, index: UInt64($0)) }),
                       dir + "/tile/0/273")
        #expect(try grown.rootHash(treeSize: size) == tree.rootHash)

        // Damaged files are named.
        try Self.write([1, 2, 3], dir + "/tile/1/000")
        let damaged = #expect(throws: TileError.self) { try TiledLog(directory: dir).inclusionProof(index: 0, treeSize: size) }
        #expect(damaged?.code == .malformedTile)
        #expect(damaged?.file == dir + "/tile/1/000")
        try Self.write([0, 9, 1], dir + "/tile/entries/000")
        let bundle = #expect(throws: TileError.self) { try log.entries(from: 0, to: 1, treeSize: size) }
        #expect(bundle?.code == .malformedBundle)
        #expect(bundle?.message.contains("tile/entries/000") == true)
        try Self.write(Array("not a checkpoint\n".utf8), dir + "/checkpoint")
        #expect(tileCode { () throws(TileError) in try log.checkpoint() } == .malformedCheckpoint)
        #expect(tileCode { () throws(TileError) in try TiledLog(directory: dir + "/nowhere").checkpointText() } == .missingFile)
    }
}
