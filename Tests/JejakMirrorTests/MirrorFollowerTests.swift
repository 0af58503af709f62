import Foundation
import JejakBase
import JejakCrypto
import JejakMirror
import JejakTlog
import Synchronization
import Testing

/// A primary log published as a tlog-tiles directory, as `jejak export` or a static server
/// over it has it: what a follower fetches from.
private struct Primary {
    static let name = "ledger.kpu.example/follow-test"
    let key: SignerKey
    let directory: String
    var entries: [[UInt8]] = []

    init(directory: String, key: SignerKey? = nil) throws {
        self.key = try key ?? SignerKey.generate(name: Self.name)
        self.directory = directory
    }

    /// Appends `count` entries and publishes the tree (tiles, bundles, then the checkpoint),
    /// with the checkpoint's extra signature lines `cosigners` add.
    mutating func grow(_ count: Int, salt: String = "", cosigners: [SignerKey] = []) throws {
        let base = entries.count
        entries += (base..<base + count).map { Array("{\"entry\":\($0)\(salt)}".utf8) }
        try publish(cosigners: cosigners)
    }

    func publish(cosigners: [SignerKey] = []) throws {
        let tree = MerkleTree(leafHashes: entries.map { Merkle.leafHash($0) })
        let size = UInt64(entries.count)
        for tile in Tiles.entryBundles(treeSize: size) {
            let start = Int(tile.index) * Tile.fullWidth
            try write(Tiles.encodeEntryBundle(Array(entries[start..<start + tile.width])), tile.path)
        }
        for tile in Tiles.hashTiles(treeSize: size) {
            guard case .hashes(let level) = tile.kind else { continue }
            let hashes = try (0..<UInt64(tile.width)).map { j in try tree.hash(level: 8 * level, index: tile.index * 256 + j) }
            try write(Tiles.encodeHashTile(hashes), tile.path)
        }
        var checkpoint = try SignedCheckpoint.sign(Checkpoint(origin: Self.name, size: size, rootHash: tree.rootHash), with: key)
        for cosigner in cosigners { checkpoint = try checkpoint.cosigned(by: cosigner, timestamp: 1_700_000_000) }
        try write(Array(checkpoint.serialized.utf8), TiledLog.checkpointPath)
    }

    func write(_ bytes: [UInt8], _ path: String) throws {
        let url = URL(fileURLWithPath: directory + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// The published file at `path`, or nil.
    func file(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: directory + "/" + path).map { [UInt8]($0) }
    }

    /// What a static web server over the directory answers: the file, or nil (404).
    var fetch: MirrorFollower.Fetch {
        let directory = self.directory
        return { path in
            FileManager.default.contents(atPath: directory + "/" + path).map { [UInt8]($0) }
        }
    }
}

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "jejak-follow-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Expects `round` to be refused with `code`.
private func refusal(_ code: MirrorError.Code, _ round: () async throws -> Void) async {
    do {
        try await round()
        Issue.record("expected \(code.name), the round succeeded")
    } catch let error as MirrorError {
        #expect(error.code == code, "\(error)")
    } catch {
        Issue.record("expected \(code.name), got \(error)")
    }
}

@Suite("A mirror following a primary's tiles")
struct MirrorFollowerTests {
    @Test func aFollowerMirrorsThePrimaryRoundByRoundWithTheWitnessesItTrusts() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var primary = try Primary(directory: dir + "/primary")
        let witness = try SignerKey.generate(name: "inspektorat.kpu.example/witness", type: .cosignatureV1)
        let stranger = try SignerKey.generate(name: "someone.example/witness", type: .cosignatureV1)
        let mirror = try Mirror.initialize(stateDirectory: dir + "/mirror", name: "mirror.kpu-jatim.example/m1")
        try mirror.trust(log: primary.key.verifierKey, witnesses: [witness.verifierKey])
        #expect(try mirror.trustedOrigins() == [Primary.name])
        let follower = MirrorFollower(mirror: mirror, origin: Primary.name, fetch: primary.fetch)

        // Before the primary has a checkpoint, the round says so and changes nothing.
        await refusal(.primaryUnavailable) { _ = try await follower.round() }

        // 300 entries: a partial bundle and a partial tile at the end.
        try primary.grow(300)
        guard case .updated(let first) = try await follower.round() else {
            Issue.record("the first round did not update the copy")
            return
        }
        #expect(first.checkpoint.size == 300)
        let copy = TiledLog(directory: mirror.logDirectory(origin: Primary.name))
        #expect(try copy.entries(from: 0, to: 300, treeSize: 300) == primary.entries)
        #expect(try copy.checkpoint() == first)
        guard case .upToDate(let same) = try await follower.round() else {
            Issue.record("a round with nothing new updated the copy")
            return
        }
        #expect(same == first)

        // 70,000 more entries: full bundles, a level-1 tile, a level-2 tile, rounds of many requests.
        try primary.grow(70_000, cosigners: [witness, stranger])
        guard case .updated(let second) = try await follower.round() else {
            Issue.record("the second round did not update the copy")
            return
        }
        #expect(second.checkpoint.size == 70_300)
        #expect(try copy.rootHash(treeSize: 70_300) == MerkleTree(leafHashes: primary.entries.map { Merkle.leafHash($0) }).rootHash)
        #expect(try copy.entries(from: 69_990, to: 70_300, treeSize: 70_300) == Array(primary.entries[69_990...]))
        // The log's signature, the trusted witness's cosignature, the mirror's; not the stranger's.
        let lines = second.note.signatures
        #expect(lines.contains { $0.matches(primary.key.verifierKey) })
        #expect(lines.contains { $0.matches(witness.verifierKey) })
        #expect(lines.contains { $0.matches(mirror.key) })
        #expect(!lines.contains { $0.matches(stranger.verifierKey) })
        #expect(lines.count == 3)

        // A witness's cosignature arriving later at the same size is carried by a new mirror checkpoint.
        try primary.grow(1)
        _ = try await follower.round()
        #expect(try mirror.mirrorCheckpoint(origin: Primary.name)?.note.signatures.contains { $0.matches(witness.verifierKey) } == false)
        try primary.publish(cosigners: [witness])
        guard case .updated(let cosigned) = try await follower.round() else {
            Issue.record("a new cosignature at the same size was not carried")
            return
        }
        #expect(cosigned.checkpoint.size == 70_301)
        #expect(cosigned.note.signatures.contains { $0.matches(witness.verifierKey) })
        #expect(!FileManager.default.fileExists(atPath: dir + "/mirror/staging/" + Mirror.originHash(Primary.name)))
    }

    @Test func aRollbackAForkAndEntriesTheCheckpointDoesNotCommitToAreRefusedAndKeptAsEvidence() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var primary = try Primary(directory: dir + "/primary")
        let mirror = try Mirror.initialize(stateDirectory: dir + "/mirror", name: "mirror.kpu-jatim.example/m1")
        try mirror.trust(log: primary.key.verifierKey)
        let follower = MirrorFollower(mirror: mirror, origin: Primary.name, fetch: primary.fetch)
        try primary.grow(600)
        _ = try await follower.round()
        let held = try #require(try mirror.mirrorCheckpoint(origin: Primary.name))
        let copy = TiledLog(directory: mirror.logDirectory(origin: Primary.name))
        func unchanged() throws {
            #expect(try mirror.mirrorCheckpoint(origin: Primary.name) == held)
            #expect(try mirror.pendingCheckpoint(origin: Primary.name)?.checkpoint == held.checkpoint)
            #expect(try copy.rootHash(treeSize: 600) == held.checkpoint.rootHash)
            #expect(try mirror.nextEntry(origin: Primary.name) == 600)
        }

        // A fork: the same key signs another history of the same size.
        var forked = try Primary(directory: dir + "/forked", key: primary.key)
        try forked.grow(600, salt: "-forked")
        let forkFollower = MirrorFollower(mirror: mirror, origin: Primary.name, fetch: forked.fetch)
        await refusal(.fork) { _ = try await forkFollower.round() }
        try unchanged()
        let forkRecord = forkFollower.refusalPath + "/600-fork"
        let evidence = try String(contentsOfFile: forkRecord, encoding: .utf8)
        #expect(evidence.hasPrefix("refused: fork: "))
        #expect(evidence.contains(forked.file(TiledLog.checkpointPath).map { String(decoding: $0, as: UTF8.self) } ?? "?"))

        // The fork grown beyond the copy: a tree the copy does not lead to.
        try forked.grow(100, salt: "-forked")
        await refusal(.inconsistent) { _ = try await forkFollower.round() }
        try unchanged()

        // A rollback: the primary's tree shrank.
        var shrunk = try Primary(directory: dir + "/shrunk", key: primary.key)
        shrunk.entries = Array(primary.entries.prefix(500))
        try shrunk.publish()
        await refusal(.rollback) { _ = try await MirrorFollower(mirror: mirror, origin: Primary.name, fetch: shrunk.fetch).round() }
        try unchanged()

        // A genuine checkpoint, an entry changed in its bundle: the tree the entries make is not the checkpoint's.
        try primary.grow(300)
        var bundle = try Tiles.decodeEntryBundle(try #require(primary.file("tile/entries/003.p/132")), count: 132)
        bundle[7] = Array("{\"entry\":\"altered\"}".utf8)
        try primary.write(try Tiles.encodeEntryBundle(bundle), "tile/entries/003.p/132")
        await refusal(.inconsistent) { _ = try await follower.round() }
        try unchanged()

        // A bundle the primary lacks; another log's checkpoint; a checkpoint not signed by the log.
        try FileManager.default.removeItem(atPath: primary.directory + "/tile/entries/003.p/132")
        await refusal(.primaryUnavailable) { _ = try await follower.round() }
        try unchanged()
        let other = try SignerKey.generate(name: "another.example/log")
        try primary.write(Array(try SignedCheckpoint.sign(Checkpoint(origin: "another.example/log", size: 1, rootHash: Merkle.leafHash([1])), with: other).serialized.utf8),
                          TiledLog.checkpointPath)
        await refusal(.primaryMalformed) { _ = try await follower.round() }
        let impostor = try SignerKey.generate(name: Primary.name)
        try primary.write(Array(try SignedCheckpoint.sign(Checkpoint(origin: Primary.name, size: 900, rootHash: Merkle.leafHash([1])), with: impostor).serialized.utf8),
                          TiledLog.checkpointPath)
        await refusal(.missingLogSignature) { _ = try await follower.round() }
        try unchanged()

        // Restored, the primary is followed again from where the copy stands.
        try primary.grow(0)
        guard case .updated(let restored) = try await follower.round() else {
            Issue.record("the restored primary was not followed")
            return
        }
        #expect(restored.checkpoint.size == 900)
        // The evidence of the fork outlives the later refusals and the primary's return.
        #expect(try String(contentsOfFile: forkRecord, encoding: .utf8) == evidence)
        let records = try FileManager.default.contentsOfDirectory(atPath: follower.refusalPath).sorted()
        #expect(records == ["500-rollback", "600-fork", "700-inconsistent", "900-inconsistent"], "\(records)")
    }

    /// A first catch-up over a link that drops: the bundles a failed round staged are not
    /// fetched again, and a refused round leaves nothing staged.
    @Test func aRoundThatLostThePrimaryKeepsWhatItFetched() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var primary = try Primary(directory: dir + "/primary")
        let mirror = try Mirror.initialize(stateDirectory: dir + "/mirror", name: "mirror.kpu-jatim.example/m1")
        try mirror.trust(log: primary.key.verifierKey)
        try primary.grow(2_000)  // bundles 000…006 full, 007.p/208
        let fetched = Mutex<[String]>([])
        let broken = Mutex(true)
        let base = primary.fetch
        let flaky = MirrorFollower(mirror: mirror, origin: Primary.name) { path in
            if path == "tile/entries/005", broken.withLock({ $0 }) { throw CancellationError() }
            if path.hasPrefix("tile/entries/") { fetched.withLock { $0.append(path) } }
            return try await base(path)
        }
        await refusal(.primaryUnavailable) { _ = try await flaky.round() }
        #expect(fetched.withLock { $0 }.count == 5)
        broken.withLock { $0 = false }
        fetched.withLock { $0 = [] }
        guard case .updated(let done) = try await flaky.round() else {
            Issue.record("the catch-up did not finish")
            return
        }
        #expect(done.checkpoint.size == 2_000)
        #expect(fetched.withLock { $0 } == ["tile/entries/005", "tile/entries/006", "tile/entries/007.p/208"])
        let staging = dir + "/mirror/staging/" + Mirror.originHash(Primary.name)
        #expect(!FileManager.default.fileExists(atPath: staging))

        // A bundle changed at the primary: refused, and the staged copy of it is not kept.
        try primary.grow(100)
        var bundle = try Tiles.decodeEntryBundle(try #require(primary.file("tile/entries/007")), count: 256)
        bundle[250] = Array("{\"entry\":\"altered\"}".utf8)
        try primary.write(try Tiles.encodeEntryBundle(bundle), "tile/entries/007")
        await refusal(.inconsistent) { _ = try await flaky.round() }
        #expect(!FileManager.default.fileExists(atPath: staging))
    }

    @Test func aRoundContinuesAnUpdateAnotherLeftHalfDone() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var primary = try Primary(directory: dir + "/primary")
        let mirror = try Mirror.initialize(stateDirectory: dir + "/mirror", name: "mirror.kpu-jatim.example/m1")
        try mirror.trust(log: primary.key.verifierKey)
        try primary.grow(1_000)
        let tree = MerkleTree(leafHashes: primary.entries.map { Merkle.leafHash($0) })

        // A client died after add-checkpoint and the first package: pending 1,000, next entry 256.
        let checkpoint = try SignedCheckpoint(parsing: String(decoding: try #require(primary.file(TiledLog.checkpointPath)), as: UTF8.self))
        try mirror.addCheckpoint(try AddCheckpointRequest(oldSize: 0, consistencyProof: [], checkpoint: checkpoint))
        let proof = try SubtreeConsistencyProof.generate(try Subtree(start: 0, end: 256), size: 1_000, from: tree)
        _ = try mirror.addEntries(AddEntriesRequest(origin: Primary.name, uploadStart: 0, uploadEnd: 1_000,
                                                    packages: [EntryPackage(start: 0, entries: Array(primary.entries[0..<256]), proof: proof)]))
        #expect(try mirror.nextEntry(origin: Primary.name) == 256)
        #expect(try mirror.mirrorCheckpoint(origin: Primary.name) == nil)

        // The primary moved on meanwhile; the follower's round takes it from there.
        try primary.grow(20)
        let follower = MirrorFollower(mirror: mirror, origin: Primary.name, fetch: primary.fetch)
        guard case .updated(let done) = try await follower.round() else {
            Issue.record("the half-done update was not continued")
            return
        }
        #expect(done.checkpoint.size == 1_020)
        let copy = TiledLog(directory: mirror.logDirectory(origin: Primary.name))
        #expect(try copy.entries(from: 0, to: 1_020, treeSize: 1_020) == primary.entries)
    }
}
