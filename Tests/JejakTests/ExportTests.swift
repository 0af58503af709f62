import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakTestSupport
import JejakTlog
import Testing

/// Every file below `dir` (relative path → bytes).
func filesBelow(_ dir: String) throws -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    guard let walk = FileManager.default.enumerator(atPath: dir) else { return out }
    for case let relative as String in walk {
        var isDir: ObjCBool = false
        let path = dir + "/" + relative
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
            out[relative] = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        }
    }
    return out
}

func inode(_ path: String) throws -> UInt64 {
    try (FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
}

@Suite struct ExportTests {
    /// A ledger of about 600 entries appended in commits of 50 (one checkpoint each).
    static func ledger(entries: Int = 600) async throws -> LedgerFixture {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-keuangan")
        var appended = Int(try f.ledger.size())
        var n = 0
        while appended < entries {
            let batch = try (0..<min(50, entries - appended)).map { _ in
                n += 1
                return try f.event(key, subject: "exchange/\(n % 17)", data: ["n": .number(JSONNumber(Int64(n)))])
            }
            _ = try await f.ledger.append(batch)
            appended += batch.count
        }
        return f
    }

    @Test func anExportReadsBackByteForByteWithItsRootAndProofs() async throws {
        let f = try await Self.ledger()
        let size = try f.ledger.size()
        #expect(size == 600)
        let out = TemporaryDirectory(create: false)
        let summary = try f.ledger.export(to: out.path + "/tiles")
        #expect(summary.size == size)
        #expect(summary.previousSize == nil)
        #expect(summary.written.last == "checkpoint")
        // 600 entries: bundles 000, 001 and 002.p/88; level-0 tiles alike; level 1: 000.p/2.
        #expect(Set(summary.written) == ["tile/entries/000", "tile/entries/001", "tile/entries/002.p/88",
                                         "tile/0/000", "tile/0/001", "tile/0/002.p/88", "tile/1/000.p/2", "checkpoint"])
        let files = try filesBelow(out.path + "/tiles")
        #expect(Set(files.keys) == Set(summary.written), "no temporary files are left behind")
        #expect(summary.bytes == files.values.reduce(0) { $0 + $1.count })

        let log = TiledLog(directory: out.path + "/tiles")
        #expect(try log.checkpointText() == (try f.ledger.storedCheckpointText(size: size)))
        let signed = try log.checkpoint()
        #expect(signed.checkpoint.size == size)
        _ = try f.ledger.policy().verify(signed)

        let leaves = try log.entries(from: 0, to: size, treeSize: size)
        let stored = try f.ledger.leaves(from: 0, to: size, limit: Int(size)).map(\.leaf)
        #expect(leaves.count == 600)
        #expect(leaves == stored, "every leaf is exported byte for byte")
        #expect(try log.rootHash(treeSize: size) == signed.checkpoint.rootHash)
        for index: UInt64 in [0, 1, 255, 256, 300, 511, 512, 599] {
            let proof = try log.inclusionProof(index: index, treeSize: size)
            try InclusionProof.verify(leafHash: Merkle.leafHash(leaves[Int(index)]), index: index, size: size,
                                      proof: proof, root: signed.checkpoint.rootHash)
            #expect(proof == (try f.ledger.inclusionProof(index: index, size: size)))
        }
        // A receipt checks out against the exported entry: the event read from the export.
        let entry = try LogEntry(index: 300, leaf: leaves[300])
        try f.ledger.receipt(index: 300).verify(entry.signedEvent, policy: try f.ledger.policy())

        // An older checkpoint exports its own tree.
        let older = try #require(try f.ledger.checkpointSizes().first { $0 > 256 && $0 < 512 })
        let past = try f.ledger.export(to: out.path + "/past", size: older)
        #expect(past.size == older)
        let pastLog = TiledLog(directory: out.path + "/past")
        #expect(try pastLog.rootHash(treeSize: older) == (try f.ledger.rootHash(size: older)))
        #expect(try pastLog.entries(from: 0, to: older, treeSize: older) == Array(stored[..<Int(older)]))
    }

    @Test func anIncrementalExportWritesOnlyWhatIsNewAndEqualsAFreshOne() async throws {
        let f = try await Self.ledger()
        let key = try SignerKey.generate(name: "biro-umum")
        _ = try await f.ledger.append([try f.authority.registerUnit("biro-umum", name: "Biro Umum", role: .biro),
                                       try f.authority.addKey(key.verifierKey)])
        let out = TemporaryDirectory(create: false)
        let first = try f.ledger.export(to: out.path)
        let firstSize = first.size  // 602: tiles 0/000, 0/001, 0/002.p/90
        #expect(firstSize == 602)
        let fullInode = try inode(out.path + "/tile/0/001")
        let bundleInode = try inode(out.path + "/tile/entries/000")

        // Nothing new: nothing is written.
        let again = try f.ledger.export(to: out.path)
        #expect(again.written.isEmpty)
        #expect(again.previousSize == firstSize)
        #expect(again.bytes == 0)
        #expect(again.kept == first.filesWritten, "every file of the first export is kept")

        // 200 more entries: 802 = 3 full tiles and 002.p/34 at level 0.
        for _ in 0..<4 {
            _ = try await f.ledger.append(try (0..<50).map { _ in try f.event(key, subject: "exchange/more") })
        }
        let size = try f.ledger.size()
        #expect(size == 802)
        let next = try f.ledger.export(to: out.path)
        #expect(next.previousSize == firstSize)
        #expect(Set(next.written) == ["tile/entries/002", "tile/entries/003.p/34", "tile/0/002", "tile/0/003.p/34",
                                      "tile/1/000.p/3", "checkpoint"])
        #expect(next.written.last == "checkpoint")
        #expect(try inode(out.path + "/tile/0/001") == fullInode, "a full tile is not rewritten")
        #expect(try inode(out.path + "/tile/entries/000") == bundleInode)
        // The old partial tiles stay (the spec allows it); the new ones are beside them.
        #expect(FileManager.default.fileExists(atPath: out.path + "/tile/0/002.p/90"))
        #expect(FileManager.default.fileExists(atPath: out.path + "/tile/1/000.p/2"))

        // The same as a fresh export of the same size, file for file, but for the old partial tiles.
        let fresh = TemporaryDirectory(create: false)
        try f.ledger.export(to: fresh.path)
        let incremental = try filesBelow(out.path), whole = try filesBelow(fresh.path)
        for (path, bytes) in whole { #expect(incremental[path] == bytes, "\(path)") }
        #expect(Set(incremental.keys).subtracting(whole.keys)
                == ["tile/entries/002.p/90", "tile/0/002.p/90", "tile/1/000.p/2"])

        let log = TiledLog(directory: out.path)
        #expect(try log.rootHash(treeSize: size) == (try f.ledger.rootHash(size: size)))
        #expect(try log.entries(from: 0, to: size, treeSize: size)
                == (try f.ledger.leaves(from: 0, to: size, limit: Int(size)).map(\.leaf)))
        // The old partial tiles still serve the old size.
        #expect(try log.rootHash(treeSize: firstSize) == (try f.ledger.rootHash(size: firstSize)))

        // An interrupted export left a damaged tile beyond the checkpoint: it is replaced.
        _ = try await f.ledger.append(try (0..<30).map { _ in try f.event(key, subject: "exchange/more") })
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: out.path + "/tile/entries/003"))
        for _ in 0..<5 {
            _ = try await f.ledger.append(try (0..<50).map { _ in try f.event(key, subject: "exchange/more") })
        }
        let last = try f.ledger.export(to: out.path)
        #expect(last.size == 1082)
        #expect(last.written.contains("tile/entries/003"))
        #expect(try TiledLog(directory: out.path).entries(from: 768, to: 1024, treeSize: last.size).count == 256)
    }

    @Test func refusalsWriteNothing() async throws {
        let f = try await Self.ledger(entries: 300)
        let out = TemporaryDirectory(create: false)

        // No checkpoint of that size (sizes 1 and 3 were committed, not 2).
        var e = #expect(throws: LedgerError.self) { try f.ledger.export(to: out.path, size: 2) }
        #expect(e?.code == .notFound)
        #expect(!FileManager.default.fileExists(atPath: out.path))
        e = #expect(throws: LedgerError.self) { try f.ledger.export(to: out.path, size: 301) }
        #expect(e?.code == .notFound)

        // A larger export is there already.
        try f.ledger.export(to: out.path)
        let before = try filesBelow(out.path)
        e = #expect(throws: LedgerError.self) { try f.ledger.export(to: out.path, size: 3) }
        #expect(e?.code == .exportConflict)
        #expect(try filesBelow(out.path) == before)

        // Another history under the same origin (another ledger's export): inconsistent.
        let other = try await LedgerFixture.make()
        let otherOut = TemporaryDirectory(create: false)
        try other.ledger.export(to: otherOut.path)
        let otherBefore = try filesBelow(otherOut.path)
        e = #expect(throws: LedgerError.self) { try f.ledger.export(to: otherOut.path) }
        #expect(e?.code == .exportConflict)
        #expect(e?.message.contains("not this log's root") == true, "\(String(describing: e))")
        #expect(try filesBelow(otherOut.path) == otherBefore)

        // Another origin.
        let foreign = TemporaryDirectory(create: false)
        try FileManager.default.createDirectory(atPath: foreign.path, withIntermediateDirectories: true)
        var options = Ledger.Options()
        options.durable = false
        let foreignLedger = try await Ledger.create(at: foreign.path + "/ledger", origin: "other.example/log",
                                                    authorityKey: try SignerKey.generate(name: "other.example/authority"), options: options)
        let foreignOut = foreign.path + "/tiles"
        try foreignLedger.export(to: foreignOut)
        e = #expect(throws: LedgerError.self) { try f.ledger.export(to: foreignOut) }
        #expect(e?.code == .exportConflict)
        #expect(e?.message.contains("other.example/log") == true)

        // A checkpoint file that is not a checkpoint, and a path that is a file.
        let junk = TemporaryDirectory(create: false)
        try FileManager.default.createDirectory(atPath: junk.path, withIntermediateDirectories: true)
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: junk.path + "/checkpoint"))
        e = #expect(throws: LedgerError.self) { try f.ledger.export(to: junk.path) }
        #expect(e?.code == .exportConflict)
        #expect(try filesBelow(junk.path).count == 1)
        e = #expect(throws: LedgerError.self) { try f.ledger.export(to: junk.path + "/checkpoint") }
        #expect(e?.code == .exportConflict)
    }
}
