import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakTestSupport
import JejakTlog
import Testing

/// `Tools/verify-export.py`, the verifier that shares no code with Jejak (Python standard library
/// only), run on real exports: a clean one verifies; tampered ones, and forgeries that only a
/// holder of the log key could make, do not.
@Suite(.serialized) struct IndependentVerifierTests {
    static let python = "/usr/bin/python3"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tools/verify-export.py").path
    static let witness = "inspektorat.kpu.go.id/witness"

    /// Runs the verifier; `nil` (with an issue recorded) when python3 is missing.
    func verify(_ export: String, policy: String, authority: String, in directory: String) throws -> CommandResult? {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            Issue.record("\(Self.python) is missing: the independent verifier could not be run")
            return nil
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.python)
        process.arguments = [Self.script, export, "--policy", policy, "--authority", authority]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: e, as: UTF8.self))
    }

    /// A ledger of about 300 entries (two entry bundles, a partial level-1 hash tile) with a key
    /// rotation: biro-a signs with key 1, key 2 is added, key 1 revoked, biro-a signs with key 2.
    /// Returns the ledger's path, the indexes of the rotation and the two keys.
    static func makeLedger(_ w: TemporaryDirectory) async throws -> (path: String, added: UInt64, revoked: UInt64, old: SignerKey, new: SignerKey) {
        let path = w.path + "/ledger"
        let authorityKey = try SignerKey.generate(name: "verifier.test/authority")
        try KeyFile.write(authorityKey, to: w.path + "/authority.key")
        var options = Ledger.Options()
        options.durable = false
        let ledger = try await Ledger.create(at: path, origin: "verifier.test/ledger", authorityKey: authorityKey, options: options)
        defer { ledger.close() }
        let authority = RegistryAuthority(key: authorityKey)
        _ = try await ledger.append(try authority.registerUnit("biro-a", name: "Biro A", role: .biro))
        _ = try await ledger.append(try authority.registerUnit("biro-b", name: "Biro B", role: .biro))
        let old = try SignerKey.generate(name: "biro-a"), new = try SignerKey.generate(name: "biro-a")
        let b = try SignerKey.generate(name: "biro-b")
        _ = try await ledger.append(try authority.addKey(old.verifierKey))
        _ = try await ledger.append(try authority.addKey(b.verifierKey))
        let a1 = UnitPublisher(key: old, ledger: ledger), b1 = UnitPublisher(key: b, ledger: ledger)
        for n in 0..<150 {
            let publisher = n % 3 == 0 ? b1 : a1
            _ = try await ledger.append([try publisher.sign(type: "test.note", subject: "note/\(n % 7)", data: ["n": .number(JSONNumber(Int64(n)))])])
        }
        let added = try await ledger.append(try authority.addKey(new.verifierKey)).index
        let revoked = try await ledger.append(try authority.revokeKey(old.verifierKey, reason: "rotated")).index
        let a2 = UnitPublisher(key: new, ledger: ledger)
        var batch: [SignedEvent] = []
        for n in 150..<300 {
            batch.append(try a2.sign(type: "test.note", subject: "note/\(n % 7)", data: ["n": .number(JSONNumber(Int64(n)))]))
        }
        _ = try await ledger.append(batch)
        return (path, added, revoked, old, new)
    }

    /// Writes a complete tiles tree for `leaves` with a checkpoint signed by `logKey`: what an
    /// operator holding the log key could publish.
    static func writeExport(_ leaves: [[UInt8]], origin: String, logKey: SignerKey, to directory: String) throws {
        var tree = MerkleTree()
        for leaf in leaves { _ = tree.append(leaf: leaf) }
        let size = UInt64(leaves.count)
        func write(_ bytes: [UInt8], _ relative: String) throws {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        for tile in Tiles.hashTiles(treeSize: size) {
            guard case .hashes(let level) = tile.kind else { continue }
            let hashes = try (0..<UInt64(tile.width)).map { try tree.hash(level: 8 * level, index: tile.index * 256 + $0) }
            try write(Tiles.encodeHashTile(hashes), tile.path)
        }
        for tile in Tiles.entryBundles(treeSize: size) {
            let start = Int(tile.index) * 256
            try write(try Tiles.encodeEntryBundle(leaves[start..<(start + tile.width)]), tile.path)
        }
        let checkpoint = try SignedCheckpoint.sign(try Checkpoint(origin: origin, size: size, rootHash: tree.rootHash), with: logKey)
        try write(Array(checkpoint.serialized.utf8), "checkpoint")
    }

    @Test func theIndependentVerifierAcceptsARealExportAndRefusesTamperedOnes() async throws {
        let w = TemporaryDirectory("cli")
        let (ledger, added, revoked, old, _) = try await Self.makeLedger(w)

        // A witness cosigns; the policy now requires it. Then `jejak export`.
        var r = try jejak(["witness", "init", "--state", "witness", "--name", Self.witness, "--ledger", ledger], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["witness", "cosign", "--state", "witness"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        // The cosignature's time as a date, not seconds since the epoch.
        #expect(r.stdout.range(of: #", at 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\.$"#, options: .regularExpression) != nil, "\(r.stdout)")
        r = try jejak(["export", "--out", "export"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        try FileManager.default.copyItem(atPath: ledger + "/policy", toPath: w.path + "/auditor.policy")
        try FileManager.default.copyItem(atPath: ledger + "/authority.vkey", toPath: w.path + "/authority.vkey")
        let size = try Ledger(opening: ledger, options: { var o = Ledger.Options(); o.readOnly = true; return o }()).size()
        #expect(size > 256)

        guard let clean = try verify("export", policy: "auditor.policy", authority: "authority.vkey", in: w.path) else { return }
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.hasSuffix("VERIFIED\n") && !clean.stdout.contains("PROBLEM"), "\(clean.stdout)")
        #expect(clean.stdout.contains("cosigned by \(Self.witness)"), "\(clean.stdout)")
        #expect(clean.stdout.contains("\(size) event signatures verified"), "\(clean.stdout)")
        #expect(clean.stdout.contains("2 units, 3 keys, 1 revoked"), "\(clean.stdout)")
        #expect(clean.stdout.contains("3 hash tiles match"), "tile/0/000, tile/0/001.p/…, tile/1/000.p/1: \(clean.stdout)")
        // The authority's vkey may also be given as text.
        let authorityText = try String(contentsOfFile: w.path + "/authority.vkey", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let inline = try verify("export", policy: "auditor.policy", authority: authorityText, in: w.path)
        #expect(inline?.status == 0, "\(inline?.stdout ?? "")")

        // One byte of a signature changed in an entry bundle: the root no longer matches and the
        // signature no longer verifies.
        try FileManager.default.copyItem(atPath: w.path + "/export", toPath: w.path + "/flipped")
        let bundle = w.path + "/flipped/tile/entries/000"
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: bundle)))
        let marker = Array(#""sig":""#.utf8)
        let at = try #require((0..<(bytes.count - marker.count)).first { i in
            i > bytes.count / 2 && bytes[i..<(i + marker.count)].elementsEqual(marker)
        }) + marker.count + 3
        bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))
        if let r = try verify("flipped", policy: "auditor.policy", authority: "authority.vkey", in: w.path) {
            #expect(r.status == 1, "\(r.stdout)")
            #expect(r.stdout.contains("NOT VERIFIED") && r.stdout.contains("but the checkpoint was signed for"), "\(r.stdout)")
            #expect(r.stdout.contains("does not verify"), "\(r.stdout)")
        }

        // Another authority than the one the ledger pinned.
        let stranger = try SignerKey.generate(name: "verifier.test/authority").verifierKey.description
        if let r = try verify("export", policy: "auditor.policy", authority: stranger, in: w.path) {
            #expect(r.status == 1 && r.stdout.contains("PROBLEM entry 0"), "\(r.stdout)")
        }

        // The witness's cosignature removed: the policy's quorum is not met.
        try FileManager.default.copyItem(atPath: w.path + "/export", toPath: w.path + "/uncosigned")
        let checkpoint = try String(contentsOfFile: w.path + "/uncosigned/checkpoint", encoding: .utf8)
        let stripped = checkpoint.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("— \(Self.witness) ") }.joined(separator: "\n")
        #expect(stripped != checkpoint)
        try stripped.write(toFile: w.path + "/uncosigned/checkpoint", atomically: true, encoding: .utf8)
        if let r = try verify("uncosigned", policy: "auditor.policy", authority: "authority.vkey", in: w.path) {
            #expect(r.status == 1 && r.stdout.contains("quorum \(Self.witness) is not met"), "\(r.stdout)")
        }

        // Forgeries by someone holding the log key: tiles, root and checkpoint all consistent,
        // and only the registry's key-activity rule can tell.
        let logKey = try KeyFile.read(from: ledger + "/log.key")
        try "log \(logKey.verifierKey)\nquorum none\n".write(toFile: w.path + "/log-only.policy", atomically: true, encoding: .utf8)
        var readOnly = Ledger.Options()
        readOnly.readOnly = true
        let leaves = try Ledger(opening: ledger, options: readOnly).leaves(from: 0, to: size, limit: .max).map(\.leaf)
        func forge(_ name: String, _ leaves: [[UInt8]]) throws -> CommandResult? {
            try Self.writeExport(leaves, origin: "verifier.test/ledger", logKey: logKey, to: w.path + "/" + name)
            return try verify(name, policy: "log-only.policy", authority: "authority.vkey", in: w.path)
        }
        // The forging itself is sound: the true leaves, re-exported, verify.
        if let r = try forge("reexported", leaves) {
            #expect(r.status == 0 && r.stdout.hasSuffix("VERIFIED\n"), "\(r.stdout)")
        }
        // An event signed with the revoked key, appended after the revocation.
        let late = try UnitPublisher(key: old, ledger: try Ledger(opening: ledger, options: readOnly))
            .sign(type: "test.note", subject: "note/late", data: ["n": 999])
        let lastAppended = try LogEntry(index: size - 1, leaf: leaves[leaves.count - 1]).appended
        if let r = try forge("revoked", leaves + [Leaf.encode(appended: lastAppended, envelopeJSON: late.jsonBytes)]) {
            #expect(r.status == 1, "\(r.stdout)")
            #expect(r.stdout.contains("PROBLEM entry \(size): the key \(old.verifierKey.hint) of 'biro-a' is not active at entry \(size)")
                    && r.stdout.contains("revoked at \(revoked)"), "\(r.stdout)")
        }
        // An event signed with the new key moved before the entry that added it.
        var early = leaves
        let first = early.remove(at: Int(revoked) + 1)
        early.insert(first, at: Int(added))
        if let r = try forge("early", early) {
            #expect(r.status == 1, "\(r.stdout)")
            #expect(r.stdout.contains("PROBLEM entry \(added): ") && r.stdout.contains("is not a key of unit 'biro-a'"), "\(r.stdout)")
        }
    }
}
