import Foundation
import JejakCrypto
import JejakTestSupport
import JejakTlog
import Testing

/// `jejak witness serve` as a process on 127.0.0.1, driven by curl, killed with SIGKILL while
/// requests from competing histories are in flight: every checkpoint it ever cosigned stays
/// consistent with every other.
@Suite(.serialized) struct WitnessServeCLITests {
    static let origin = "witness-cli.jejak.local/ledger"

    /// A family of histories of one log: history `d` shares its first `d` leaves with every
    /// other history of at least `d`, and differs after.
    static func tree(diverging d: Int, size: Int) -> MerkleTree {
        var tree = MerkleTree()
        for i in 0..<size { _ = tree.append(leaf: Array((i < d ? "common-\(i)" : "fork-\(d)-\(i)").utf8)) }
        return tree
    }

    static func body(old: Int, size: Int, diverging d: Int, key: SignerKey) throws -> [UInt8] {
        let tree = tree(diverging: d, size: size)
        let proof = old == 0 || old == size ? [] : try tree.consistencyProof(oldSize: UInt64(old), newSize: UInt64(size))
        let checkpoint = try SignedCheckpoint.sign(
            Checkpoint(origin: origin, size: UInt64(size), rootHash: size == 0 ? Merkle.emptyRoot : tree.rootHash), with: key)
        return try AddCheckpointRequest(oldSize: UInt64(old), consistencyProof: proof, checkpoint: checkpoint).serialized
    }

    /// A POST of `file` to the witness, as a running curl that writes the body to `file.out`
    /// and the status to its standard output.
    static func post(_ file: String, to url: String, in directory: String) throws -> RunningCommand {
        try start(["--max-time", "20", "-s", "-o", file + ".out", "-w", "%{http_code}", "-X", "POST", "--data-binary", "@" + file,
                   url + "/add-checkpoint"], ledger: nil, in: directory, binary: "/usr/bin/curl")
    }

    @Test func aWitnessKilledAtAnyMomentNeverCosignsTwoInconsistentCheckpoints() throws {
        let w = TemporaryDirectory("witness-serve")
        let logKey = try SignerKey.generate(name: Self.origin)
        try Data("# the logs this witness cosigns for\nlog \(logKey.verifierKey)\n".utf8).write(to: URL(fileURLWithPath: w.path + "/logs"))
        let r = try jejak(["witness", "init", "--state", "state", "--name", "witness-cli.jejak.local/w"], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        let witnessKey = try VerifierKey(parsing: String(r.stdout.split(separator: "\n")[0]))
        var cosigned: [(size: Int, d: Int, note: SignedCheckpoint)] = []
        var known = 0
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        var outputs: [String] = []
        for trial in 0..<16 {
            let server = try start(["witness", "serve", "--state", "state", "--logs", "logs", "--listen", "127.0.0.1:0"],
                                   ledger: nil, in: w.path)
            defer { if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) } }
            let url = try ServeCLITests.listeningURL(server)
            var inFlight: [(RunningCommand, String, Int, Int)] = []
            for n in 0..<6 {
                let size = known + Int.random(in: 1...4, using: &generator)
                // A history that agrees with what the witness holds, or one that forks from it.
                let d = Bool.random(using: &generator) ? 1_000 : Int.random(in: 0...size, using: &generator)
                let file = "t\(trial)-\(n).body"
                try Data(try Self.body(old: known, size: size, diverging: d, key: logKey)).write(to: URL(fileURLWithPath: w.path + "/" + file))
                inFlight.append((try Self.post(file, to: url, in: w.path), file, size, d))
            }
            if trial % 4 != 3 {
                usleep(UInt32.random(in: 0...20_000, using: &generator))
                kill(server.process.processIdentifier, SIGKILL)
                kills += 1
            }
            for (curl, file, size, d) in inFlight {
                let result = try curl.finish()
                guard result.stdout == "200" else { continue }
                let lines = try Data(contentsOf: URL(fileURLWithPath: w.path + "/" + file + ".out"))
                let tree = Self.tree(diverging: d, size: size)
                let checkpoint = try SignedCheckpoint.sign(Checkpoint(origin: Self.origin, size: UInt64(size), rootHash: tree.rootHash), with: logKey)
                let note = try checkpoint.adding(cosignatureLines: Array(lines))
                let valid = note.note.signatures.contains {
                    $0.matches(witnessKey) && witnessKey.verify(noteText: note.note.text, signature: $0.signature)
                }
                #expect(valid, "a 200 whose lines are not the witness's cosignature")
                cosigned.append((size, d, note))
            }
            if server.process.isRunning {
                // Learn the witness's size: old 0 is answered 409 with it once it holds a record.
                try Data(try Self.body(old: 0, size: 1, diverging: 0, key: logKey)).write(to: URL(fileURLWithPath: w.path + "/probe"))
                let probe = try Self.post("probe", to: url, in: w.path).finish()
                if probe.stdout == "409" {
                    let text = try String(decoding: Data(contentsOf: URL(fileURLWithPath: w.path + "/probe.out")), as: UTF8.self)
                    known = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? known
                }
                kill(server.process.processIdentifier, SIGTERM)
                outputs += try [server.finish()].map { $0.stdout + $0.stderr }
            } else {
                outputs += try [server.finish()].map { $0.stdout + $0.stderr }
                known = cosigned.map(\.size).max() ?? 0
            }
        }
        #expect(kills >= 12)
        #expect(!cosigned.isEmpty, "the witness cosigned nothing in 16 trials")
        // Every two cosigned checkpoints agree on the smaller one's leaves: one history.
        for a in cosigned {
            for b in cosigned where a.size <= b.size {
                let prefix = Self.tree(diverging: b.d, size: b.size)
                let root = try prefix.rootHash(size: UInt64(a.size))
                #expect(root == a.note.checkpoint.rootHash,
                        "the witness cosigned size \(a.size) of history \(a.d) and size \(b.size) of history \(b.d), which disagree")
            }
        }
        // Its record is the largest it cosigned, or beyond (a kill after recording, before answering).
        let record = try SignedCheckpoint(parsing: String(decoding: Data(contentsOf: URL(
            fileURLWithPath: w.path + "/state/logs/" + SHA256Digest.hash(Self.origin.utf8).hex + "/checkpoint")), as: UTF8.self))
        #expect(record.checkpoint.size >= UInt64(cosigned.map(\.size).max() ?? 0))
        let mode = try FileManager.default.attributesOfItem(atPath: w.path + "/state/witness.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The witness's private key never reaches its output.
        let secret = try String(decoding: Data(contentsOf: URL(fileURLWithPath: w.path + "/state/witness.key")), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // PRIVATE+KEY+<name>+<key id>+<base64 seed>: the seed may itself hold "+".
        let seed = String(secret.split(separator: "+", maxSplits: 4).last ?? "")
        #expect(seed.count > 20 && !outputs.contains { $0.contains(seed) })
    }

    /// `jejak witness push` beside an embedded ledger: each new checkpoint is cosigned by the
    /// witness service and stored with it, without `jejak serve`.
    @Test func pushCosignsAnEmbeddedLedgersCheckpointsThroughTheService() throws {
        let w = TemporaryDirectory("witness-push")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "push.jejak.local/ledger"], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        r = try jejak(["witness", "init", "--state", "state", "--name", "push.jejak.local/witness"], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        let witnessKey = try VerifierKey(parsing: String(r.stdout.split(separator: "\n")[0]))
        let logVkey = try String(contentsOfFile: ledger + "/log.vkey", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try Data("log \(logVkey)\n".utf8).write(to: URL(fileURLWithPath: w.path + "/logs"))
        let server = try start(["witness", "serve", "--state", "state", "--logs", "logs", "--listen", "127.0.0.1:0"], ledger: nil, in: w.path)
        defer { if server.process.isRunning { server.process.terminate() } }
        let url = try ServeCLITests.listeningURL(server)

        // The policy requires the witness, at its URL.
        let policy = try TlogPolicy(parsing: String(contentsOfFile: ledger + "/policy", encoding: .utf8))
        var builder = TlogPolicy.Builder()
        for log in policy.logs { builder.addLog(log.key, url: log.url) }
        builder.addWitness(name: "inspektorat", key: witnessKey, url: url)
        builder.setQuorum("inspektorat")
        try Data(try builder.build().serialized.utf8).write(to: URL(fileURLWithPath: ledger + "/policy"))

        let push = try start(["witness", "push", "--interval", "50"], ledger: ledger, in: w.path)
        defer { if push.process.isRunning { push.process.terminate() } }
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        var cosigned = false
        let deadline = Date().addingTimeInterval(30)
        while !cosigned && Date() < deadline {
            r = try jejak(["checkpoint"], ledger: ledger, in: w.path)
            cosigned = r.stdout.contains("— push.jejak.local/witness ")
            if !cosigned { usleep(100_000) }
        }
        #expect(cosigned, "\(r.stdout)")
        let stored = try SignedCheckpoint(parsing: r.stdout)
        _ = try TlogPolicy(parsing: String(contentsOfFile: ledger + "/policy", encoding: .utf8)).verify(stored)
        push.process.terminate()
        #expect(try push.finish().status == 0)
        server.process.terminate()
        #expect(try server.finish().status == 0)
    }
}
