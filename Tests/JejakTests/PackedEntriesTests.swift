import Foundation
import Jejak
import JejakCrypto
import JejakStorage
import JejakTestSupport
import JejakTlog
import Testing

/// The store layout of format 2: the leaves of each full entry tile packed into one `bundles`
/// record, the entries of the bundle not yet full on their own; every read the same as if each
/// leaf had its own record.
@Suite struct PackedEntriesTests {
    /// The raw store of a closed ledger: how many records `entries` and `bundles` hold, and the
    /// format in `meta`.
    func layout(_ f: LedgerFixture) throws -> (entries: Int, bundles: Int, format: String) {
        var options = Environment.Options()
        options.readOnly = true
        let env = try Environment(path: f.dir.path + "/store", databases: ["entries", "bundles", "meta"], options: options)
        return try env.read { txn in
            (try txn.count(try env.database("entries")), try txn.count(try env.database("bundles")),
             String(decoding: try txn.get(try env.database("meta"), key: Array("format".utf8)) ?? [], as: UTF8.self))
        }
    }

    struct Databases {
        let entries: Database, bundles: Database, meta: Database, nodes: Database
    }

    /// Edits the raw store of a closed ledger.
    func edit(_ f: LedgerFixture, _ body: (borrowing WriteTransaction, Databases) throws -> Void) throws {
        var options = Environment.Options()
        options.durable = false
        let env = try Environment(path: f.dir.path + "/store", databases: ["entries", "bundles", "meta", "nodes"], options: options)
        let dbs = Databases(entries: try env.database("entries"), bundles: try env.database("bundles"),
                            meta: try env.database("meta"), nodes: try env.database("nodes"))
        try env.write { txn in try body(txn, dbs) }
    }

    /// Every leaf, read in one scan and one by one, hashes to the signed root; returns them.
    @discardableResult
    func expectLogReadsWhole(_ ledger: Ledger, size: UInt64, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[UInt8]] {
        #expect(try ledger.size() == size, sourceLocation: sourceLocation)
        let leaves = try ledger.leaves(from: 0, to: size, limit: .max)
        #expect(leaves.map(\.index) == Array(0..<size), sourceLocation: sourceLocation)
        var frontier = MerkleFrontier()
        for (_, leaf) in leaves { _ = frontier.append(leafHash: Merkle.leafHash(leaf)) }
        #expect(frontier.root == (try ledger.latestCheckpoint().checkpoint.rootHash), sourceLocation: sourceLocation)
        for i in [0, 1, 255, 256, 257, 511, 512, size - 1] where i < size {
            #expect(try ledger.entry(at: i).leaf == leaves[Int(i)].leaf, "entry \(i)", sourceLocation: sourceLocation)
        }
        // A range that starts and ends inside bundles, and one across the packed/single border.
        let middle = try ledger.leaves(from: 250, to: min(size, 520), limit: .max)
        #expect(middle.map(\.leaf) == leaves[250..<Int(min(size, 520))].map(\.leaf), sourceLocation: sourceLocation)
        let limited = try ledger.leaves(from: 10, to: size, limit: 300)
        #expect(limited.map(\.index) == Array(10..<min(size, 310)), sourceLocation: sourceLocation)
        return leaves.map(\.leaf)
    }

    @Test func fullTilesArePackedAndEveryReadIsTheSame() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        for n in 0..<250 { _ = try await f.ledger.append(try f.event(key, subject: "exchange/\(n % 7)")) }
        #expect(try f.ledger.size() == 253)
        f.ledger.close()
        #expect(try layout(f) == (253, 0, "jejak-ledger/2"))

        // One batch completing two bundles, one ending exactly on a bundle's end, one more.
        var ledger = try Ledger(opening: f.dir.path)
        for count in [300, 215, 1] {
            _ = try await ledger.append(try (0..<count).map { _ in try f.event(key, subject: "exchange/batch") })
        }
        try expectLogReadsWhole(ledger, size: 769)
        ledger.close()
        #expect(try layout(f) == (1, 3, "jejak-ledger/2"))

        // Read-only, the same; a full entry tile is the stored bundle, a partial one is built.
        var options = Ledger.Options()
        options.readOnly = true
        ledger = try Ledger(opening: f.dir.path, options: options)
        let leaves = try expectLogReadsWhole(ledger, size: 769)
        #expect(try ledger.tileData(try Tile(path: "tile/entries/001")) == (try Tiles.encodeEntryBundle(leaves[256..<512])))
        #expect(try ledger.tileData(try Tile(path: "tile/entries/003.p/1")) == (try Tiles.encodeEntryBundle(leaves[768..<769])))
        let proof = try ledger.inclusionProof(index: 300, size: 769)
        try InclusionProof.verify(leafHash: Merkle.leafHash(leaves[300]), index: 300, size: 769, proof: proof,
                                  root: try ledger.latestCheckpoint().checkpoint.rootHash)
        ledger.close()
    }

    @Test func aFormatOneStoreKeepsEveryLeafOnItsOwn() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        f.ledger.close()
        // Made a format 1 store: its name, and its Merkle nodes keyed by level, then index.
        try edit(f) { txn, db in
            try txn.put(db.meta, key: Array("format".utf8), value: Array("jejak-ledger/1".utf8))
            var nodes: [(key: [UInt8], value: [UInt8])] = []
            try txn.withCursor(db.nodes) { c in try c.scan { k, v in nodes.append((Array(k), Array(v))); return true } }
            try txn.clear(db.nodes)
            for (k, v) in nodes {
                let last = try BigEndian.uint64(from: k.prefix(8)), level = UInt64(k[8])
                try txn.put(db.nodes, key: [k[8]] + BigEndian.bytes((last + 1) >> level - 1), value: v)
            }
        }
        let ledger = try Ledger(opening: f.dir.path)
        _ = try await ledger.append(try (0..<300).map { _ in try f.event(key, subject: "exchange/old") })
        let leaves = try expectLogReadsWhole(ledger, size: 303)
        let proof = try ledger.inclusionProof(index: 150, size: 303)
        try InclusionProof.verify(leafHash: Merkle.leafHash(leaves[150]), index: 150, size: 303, proof: proof,
                                  root: try ledger.latestCheckpoint().checkpoint.rootHash)
        ledger.close()
        #expect(try layout(f) == (303, 0, "jejak-ledger/1"))
    }

    @Test func aDamagedBundleIsACorruptStoreNeverAWrongLeaf() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        _ = try await f.ledger.append(try (0..<300).map { _ in try f.event(key, subject: "exchange/x") })
        let before = try f.ledger.entry(at: 100).leaf
        f.ledger.close()
        try edit(f) { txn, db in
            let bundle = try #require(try txn.get(db.bundles, key: BigEndian.bytes(UInt64(0))))
            try txn.put(db.bundles, key: BigEndian.bytes(UInt64(0)), value: Array(bundle.dropLast(10)))
        }
        let ledger = try Ledger(opening: f.dir.path)
        defer { ledger.close() }
        #expect(try ledger.entry(at: 100).leaf == before, "the leaves before the damage still read as they were")
        #expect(throws: LedgerError.self) { try ledger.entry(at: 255) }
        do {
            _ = try ledger.leaves(from: 0, to: 300, limit: .max)
            Issue.record("a damaged bundle was read")
        } catch {
            #expect(error.code == .corruptStore, "\(error)")
            #expect(error.message.contains("bundle of entries 0..<256"), "\(error.message)")
        }
    }
}
