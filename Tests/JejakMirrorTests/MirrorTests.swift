import Foundation
import JejakBase
import JejakCrypto
import JejakMirror
import JejakTlog
import Testing

/// A log held in memory, with its key: what a mirror client uploads from.
private struct Origin {
    static let name = "ledger.kpu.example/mirror-test"
    let key: SignerKey
    let entries: [[UInt8]]
    let tree: MerkleTree

    init(count: Int, salt: String = "") throws {
        key = try SignerKey.generate(name: Self.name)
        entries = (0..<count).map { Array("{\"entry\":\($0)\(salt)}".utf8) }
        tree = MerkleTree(leafHashes: entries.map { Merkle.leafHash($0) })
    }

    func checkpoint(_ size: UInt64, key: SignerKey? = nil) throws -> SignedCheckpoint {
        try SignedCheckpoint.sign(Checkpoint(origin: Self.name, size: size, rootHash: tree.rootHash(size: size)), with: key ?? self.key)
    }

    func addCheckpoint(_ size: UInt64, from old: UInt64) throws -> AddCheckpointRequest {
        let proof = old == 0 || old == size ? [] : try tree.consistencyProof(oldSize: old, newSize: size)
        return try AddCheckpointRequest(oldSize: old, consistencyProof: proof, checkpoint: checkpoint(size))
    }

    /// The canonical packages of `[start, end)`, the first `limit` of them.
    func upload(_ start: UInt64, _ end: UInt64, limit: Int = .max) throws -> AddEntriesRequest {
        let packages = try AddEntriesRequest.packageIntervals(start: start, end: end).prefix(limit).map { interval in
            let bundleStart = interval.lowerBound / 256 * 256
            let proof = try SubtreeConsistencyProof.generate(try Subtree(start: bundleStart, end: interval.upperBound), size: end, from: tree)
            return EntryPackage(start: interval.lowerBound, entries: Array(entries[Int(interval.lowerBound)..<Int(interval.upperBound)]), proof: proof)
        }
        return AddEntriesRequest(origin: Self.name, uploadStart: start, uploadEnd: end, packages: packages)
    }
}

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "jejak-mirror-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

private func refusal(_ code: MirrorError.Code, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(code.name), nothing was thrown")
    } catch let error as MirrorError {
        #expect(error.code == code, "\(error)")
    } catch {
        Issue.record("expected \(code.name), got \(error)")
    }
}

@Suite("c2sp.org/tlog-mirror: add-checkpoint, add-entries, the cosigned copy")
struct MirrorTests {
    @Test func aLogIsMirroredInStagesAndServedAsTiles() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try Origin(count: 700)
        let mirror = try Mirror.initialize(stateDirectory: dir + "/state", name: "mirror.kpu-jatim.example/m1")
        try mirror.trust(log: log.key.verifierKey)
        #expect(try mirror.nextEntry(origin: Origin.name) == 0)

        // Stage 1 and 2+3 in one request: 300 entries, two packages.
        try mirror.addCheckpoint(try log.addCheckpoint(300, from: 0))
        #expect(try mirror.mirrorCheckpoint(origin: Origin.name) == nil)  // pending is not mirrored
        let body = try log.upload(0, 300).serialized()
        guard case .committed(let first) = try mirror.addEntries(try AddEntriesRequest(parsing: body)) else {
            Issue.record("the whole upload was not committed")
            return
        }
        #expect(first.checkpoint.size == 300)
        let cosignature = try #require(first.note.signatures.first { $0.matches(mirror.key) })
        #expect(mirror.key.verify(noteText: first.note.text, signature: cosignature.signature))
        #expect(first.note.signatures.contains { $0.matches(log.key.verifierKey) })

        // A prefix upload is accepted with the next entry; the rest completes it.
        try mirror.addCheckpoint(try log.addCheckpoint(700, from: 300))
        guard case .accepted(let info) = try mirror.addEntries(try log.upload(300, 700, limit: 1)) else {
            Issue.record("a prefix upload was not answered 202")
            return
        }
        #expect(info == MirrorInfo(treeSize: 700, nextEntry: 512))
        #expect(info.serialized == "700\n512\n\n")
        #expect(try mirror.mirrorCheckpoint(origin: Origin.name)?.checkpoint.size == 300)
        guard case .committed(let second) = try mirror.addEntries(try log.upload(512, 700)) else {
            Issue.record("the rest of the upload was not committed")
            return
        }
        #expect(second.checkpoint.size == 700)

        // The copy is a tlog-tiles log another reader verifies: the tiles the mirror computed
        // hash to the root, the entries read back, proofs come out of it.
        let tiles = TiledLog(directory: mirror.logDirectory(origin: Origin.name))
        #expect(mirror.logDirectory(origin: Origin.name).hasSuffix(SHA256Digest.hash(Array(Origin.name.utf8)).hex))
        let served = try tiles.checkpoint()
        #expect(served == second)
        #expect(try tiles.rootHash(treeSize: 700) == log.tree.rootHash(size: 700))
        #expect(try tiles.entries(from: 0, to: 700, treeSize: 700) == log.entries)
        #expect(try tiles.consistencyProof(oldSize: 300, newSize: 700) == log.tree.consistencyProof(oldSize: 300, newSize: 700))
        #expect(try tiles.hashTile(level: 1, index: 0, treeSize: 700).count == 2)

        // A re-sent upload to the mirror's size answers with the mirror checkpoint.
        guard case .committed(let again) = try mirror.addEntries(try log.upload(600, 700)) else {
            Issue.record("a re-sent upload was not answered 200")
            return
        }
        #expect(again == second)
    }

    @Test func everyRefusalNamesItsRuleAndLeavesTheCopyAsItWas() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try Origin(count: 600)
        let mirror = try Mirror.initialize(stateDirectory: dir + "/state", name: "mirror.example/m2")
        refusal(.alreadyInitialized) { _ = try Mirror.initialize(stateDirectory: dir + "/state", name: "mirror.example/m2") }
        refusal(.notInitialized) { _ = try Mirror(stateDirectory: dir + "/nothing") }
        // One mirror per state directory: a second one is refused while the first is open.
        refusal(.stateInUse) { _ = try Mirror(stateDirectory: dir + "/state") }
        refusal(.unknownLog) { try mirror.addCheckpoint(try log.addCheckpoint(10, from: 0)) }
        try mirror.trust(log: log.key.verifierKey)
        refusal(.logKeyMismatch) { try mirror.trust(log: try SignerKey.generate(name: Origin.name).verifierKey) }
        refusal(.noPendingCheckpoint) { _ = try mirror.addEntries(try log.upload(0, 10)) }

        // Signatures.
        let stranger = try SignerKey.generate(name: Origin.name)
        refusal(.missingLogSignature) {
            try mirror.addCheckpoint(AddCheckpointRequest(oldSize: 0, consistencyProof: [], checkpoint: try log.checkpoint(10, key: stranger)))
        }
        let good = try log.checkpoint(10)
        let forgedLine = try NoteSignature(name: Origin.name, keyID: log.key.verifierKey.keyID, signature: [UInt8](repeating: 7, count: 64))
        let forged = try SignedCheckpoint(note: SignedNote(text: good.note.text, signatures: [forgedLine]))
        refusal(.invalidLogSignature) { try mirror.addCheckpoint(AddCheckpointRequest(oldSize: 0, consistencyProof: [], checkpoint: forged)) }

        try mirror.addCheckpoint(try log.addCheckpoint(300, from: 0))
        refusal(.oldSizeMismatch) { try mirror.addCheckpoint(try log.addCheckpoint(400, from: 100)) }
        refusal(.oldSizeBeyondCheckpoint) {
            try mirror.addCheckpoint(AddCheckpointRequest(oldSize: 400, consistencyProof: [], checkpoint: try log.checkpoint(300)))
        }
        // A smaller checkpoint (a rollback) can only come with an old size beyond it.
        refusal(.oldSizeBeyondCheckpoint) {
            try mirror.addCheckpoint(AddCheckpointRequest(oldSize: 300, consistencyProof: [], checkpoint: try log.checkpoint(200)))
        }
        let fork = try Origin(count: 600, salt: ",\"fork\":1")
        let forkKeyed = Origin(key: log.key, fork: fork)
        refusal(.fork) { try mirror.addCheckpoint(try forkKeyed.addCheckpoint(300, from: 300)) }
        refusal(.inconsistent) {
            try mirror.addCheckpoint(AddCheckpointRequest(oldSize: 300, consistencyProof: try log.tree.consistencyProof(oldSize: 300, newSize: 500),
                                                          checkpoint: try forkKeyed.checkpoint(500)))
        }
        #expect(try mirror.pendingCheckpoint(origin: Origin.name)?.checkpoint == (try log.checkpoint(300)).checkpoint)

        // Uploads.
        refusal(.unknownUploadEnd) { _ = try mirror.addEntries(try log.upload(0, 299)) }
        refusal(.uploadGap) { _ = try mirror.addEntries(try log.upload(256, 300)) }
        refusal(.malformedUpload) { _ = try AddEntriesRequest(parsing: Array(try log.upload(0, 300).serialized().prefix(20))) }
        // A header with no whole package in a non-empty upload.
        refusal(.malformedUpload) { _ = try mirror.addEntries(try AddEntriesRequest(parsing: Array(try log.upload(0, 300).serialized().prefix(40)))) }
        // A changed entry: refused, nothing of it written.
        let honest = try log.upload(0, 300)
        var changed = honest.packages
        var entries = changed[1].entries
        entries[3] = Array("{\"entry\":\"changed\"}".utf8)
        changed[1] = EntryPackage(start: changed[1].start, entries: entries, proof: changed[1].proof)
        refusal(.unauthenticatedPackage) {
            _ = try mirror.addEntries(AddEntriesRequest(origin: Origin.name, uploadStart: 0, uploadEnd: 300, packages: changed))
        }
        // The first package was authenticated and kept; the bad one was not written.
        #expect(try mirror.nextEntry(origin: Origin.name) == 256)
        #expect(try mirror.mirrorCheckpoint(origin: Origin.name) == nil)
        // A body cut inside its second package keeps the first: 202 from its end.
        let cut = try log.upload(0, 300).serialized()
        guard case .accepted(let info) = try mirror.addEntries(try AddEntriesRequest(parsing: Array(cut.dropLast(5)))) else {
            Issue.record("a truncated upload was not answered 202")
            return
        }
        #expect(info.nextEntry == 256)
        guard case .committed = try mirror.addEntries(try log.upload(256, 300)) else {
            Issue.record("the honest upload was not committed")
            return
        }
        // An end below the mirror's size is no pending size the mirror knows.
        refusal(.unknownUploadEnd) {
            try mirror.addCheckpoint(try log.addCheckpoint(300, from: 300))
            _ = try mirror.addEntries(try log.upload(0, 10))
        }
        #expect(try mirror.mirrorCheckpoint(origin: Origin.name)?.checkpoint.size == 300)
    }

    @Test func anAddEntriesBodyIsTheSpecsBytes() throws {
        let log = try Origin(count: 5)
        let request = try log.upload(1, 5)
        let body = try request.serialized()
        // 2 + origin + 8 + 8 + 2 (empty ticket), then 4 entries each with a 2-byte length, the
        // hash count and the hashes.
        let header = 2 + Origin.name.utf8.count + 8 + 8 + 2
        #expect(Array(body[0..<2]) == [0, UInt8(Origin.name.utf8.count)])
        #expect(Array(body[(header - 18)..<(header - 10)]) == [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(Array(body[(header - 10)..<(header - 2)]) == [0, 0, 0, 0, 0, 0, 0, 5])
        let proof = request.packages[0].proof
        #expect(body.count == header + log.entries[1...].reduce(0) { $0 + 2 + $1.count } + 1 + 32 * proof.count)
        #expect(try AddEntriesRequest(parsing: body) == request)
        // An origin that is not UTF-8 is refused, not repaired into another origin.
        var notUTF8 = body
        notUTF8[2] = 0xff
        refusal(.malformedUpload) { _ = try AddEntriesRequest(parsing: notUTF8) }
        #expect(Array(AddEntriesRequest.packageIntervals(start: 300, end: 1000)) == [300..<512, 512..<768, 768..<1000])
        #expect(AddEntriesRequest.packageIntervals(start: 5, end: 5).isEmpty)
        // The client chooses the interval: the last bundle below 2^64 does not overflow, and a
        // header claiming 2^63 entries costs the parser only the packages the body holds.
        #expect(Array(AddEntriesRequest.packageIntervals(start: .max - 2, end: .max)) == [(.max - 2)..<(.max)])
        var huge = try AddEntriesRequest(origin: Origin.name, uploadStart: 0, uploadEnd: 1 << 63, packages: []).serialized()
        huge += [0, 1, 7]  // one entry of one byte, then the body ends
        #expect(try AddEntriesRequest(parsing: huge).packages.isEmpty)
        let last = try AddEntriesRequest(origin: Origin.name, uploadStart: .max - 1, uploadEnd: .max, packages: []).serialized()
        #expect(try AddEntriesRequest(parsing: last + [0, 1, 7, 0]).packages.map(\.start) == [.max - 1])
    }
}

extension Origin {
    /// Another log's entries signed with this log's key: a fork.
    fileprivate init(key: SignerKey, fork: Origin) {
        self.key = key
        self.entries = fork.entries
        self.tree = fork.tree
    }
}
