import Foundation
import JejakCrypto
import JejakTestSupport
import JejakTlog
import Testing

/// `jejak mirror serve --follow` as processes on 127.0.0.1 beside a `jejak serve` primary: two
/// regional mirrors follow it through a restart, refuse a forged fork (the log's own key
/// signing another history), survive SIGKILL, and serve a copy a regional unit exports and
/// verifies while the primary is down.
@Suite(.serialized) struct MirrorServeCLITests {
    static let origin = "mirror-cli.jejak.local/ledger"
    static var hash: String { SHA256Digest.hash(Array(origin.utf8)).hex }

    /// Publishes `count` events to the ledger (through `remote` when given).
    static func publish(_ count: Int, from first: Int, ledger: String, remote: [String] = [], in directory: String) throws {
        for n in first..<first + count {
            let r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/2026-\(n)",
                               "--data", request, "--expected-version", "none"] + remote, ledger: remote.isEmpty ? ledger : nil, in: directory)
            try #require(r.status == 0, "\(r.stderr)")
        }
    }

    /// The mirror checkpoint a mirror serves, once its size is `size` (nil after 60 s).
    static func mirrored(_ url: String, size: UInt64, in directory: String) throws -> SignedCheckpoint? {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = try curl(["-s", "-f", url + "/" + hash + "/checkpoint"], in: directory)
            if let checkpoint = try? SignedCheckpoint(parsing: text), checkpoint.checkpoint.size == size { return checkpoint }
            usleep(100_000)
        }
        return nil
    }

    static func ledgerSize(_ ledger: String, in directory: String) throws -> UInt64 {
        let r = try jejak(["checkpoint"], ledger: ledger, in: directory)
        return UInt64(r.stdout.split(separator: "\n").dropFirst().first ?? "") ?? 0
    }

    @Test func regionalMirrorsFollowThePrimaryThroughARestartAForkAndAKill() throws {
        let w = TemporaryDirectory("mirror-serve")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", Self.origin], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        for unit in ["biro-keuangan", "biro-perencanaan"] {
            r = try jejak(["unit", "register", unit, "--name", unit, "--role", "biro"], ledger: ledger, in: w.path)
            try #require(r.status == 0, "\(r.stderr)")
        }
        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        r = try jejak(["unit", "add-key", "biro-keuangan", "--vkey", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        try Self.publish(3, from: 0, ledger: ledger, in: w.path)

        // Two regional mirrors, each with its own key, trusting the ledger's policy.
        var mirrorKeys: [VerifierKey] = []
        for region in ["jatim", "sulsel"] {
            r = try jejak(["mirror", "init", "--state", region, "--name", "mirror.kpu-\(region).go.id/m1", "--policy", ledger + "/policy"], in: w.path)
            try #require(r.status == 0, "\(r.stderr)")
            mirrorKeys.append(try VerifierKey(parsing: String(r.stdout.split(separator: "\n")[0])))
            #expect(r.stdout.contains("/" + Self.hash), "\(r.stdout)")
            let mode = try FileManager.default.attributesOfItem(atPath: w.path + "/\(region)/mirror.key")[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }

        var primary = try start(["serve", "--listen", "127.0.0.1:0"], ledger: ledger, in: w.path)
        defer { if primary.process.isRunning { kill(primary.process.processIdentifier, SIGKILL) } }
        let primaryURL = try ServeCLITests.listeningURL(primary)
        let listen = String(primaryURL.dropFirst("http://".count))
        let remote = ["--server", primaryURL, "--server-policy", ledger + "/policy"]
        func follow(_ region: String) throws -> (RunningCommand, String) {
            let process = try start(["mirror", "serve", "--state", region, "--follow", primaryURL, "--interval", "50", "--listen", "127.0.0.1:0",
                                     "--log-level", "info"], ledger: nil, in: w.path)
            return (process, try ServeCLITests.listeningURL(process))
        }
        let (jatim, jatimURL) = try follow("jatim")
        defer { if jatim.process.isRunning { kill(jatim.process.processIdentifier, SIGKILL) } }
        var (sulsel, sulselURL) = try follow("sulsel")
        defer { if sulsel.process.isRunning { kill(sulsel.process.processIdentifier, SIGKILL) } }

        // Both catch up, and each cosigns with its own key a checkpoint the log signed.
        var size = try Self.ledgerSize(ledger, in: w.path)
        let logKey = try VerifierKey(parsing: try String(contentsOfFile: ledger + "/log.vkey", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
        for (url, key) in zip([jatimURL, sulselURL], mirrorKeys) {
            let checkpoint = try #require(try Self.mirrored(url, size: size, in: w.path), "the mirror at \(url) did not reach size \(size)")
            #expect(checkpoint.note.signatures.contains { $0.matches(key) && key.verify(noteText: checkpoint.note.text, signature: $0.signature) })
            #expect(checkpoint.note.signatures.contains { $0.matches(logKey) && logKey.verify(noteText: checkpoint.note.text, signature: $0.signature) })
        }
        let headers = try curl(["-s", "-D", "-", "-o", "/dev/null", jatimURL + "/" + Self.hash + "/tile/entries/000.p/\(size)"], in: w.path)
        #expect(headers.contains("200") && headers.contains("Access-Control-Allow-Origin: *"), "\(headers)")
        #expect(try curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", jatimURL + "/" + Self.hash + "/tile/entries/000.p/\(size + 1)"], in: w.path) == "404")
        #expect(try curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", jatimURL + "/" + String(repeating: "0", count: 64) + "/checkpoint"], in: w.path) == "404")

        // Published through the primary: followed.
        try Self.publish(2, from: 3, ledger: ledger, remote: remote, in: w.path)
        size += 2
        #expect(try Self.mirrored(jatimURL, size: size, in: w.path) != nil)
        #expect(try Self.mirrored(sulselURL, size: size, in: w.path) != nil)

        // The primary goes down. A regional unit exports from its mirror and verifies it offline.
        primary.process.terminate()
        _ = try primary.finish()
        r = try jejak(["export", "--from", jatimURL + "/" + Self.hash, "--server-policy", ledger + "/policy", "--pin", "jatim.pin", "--out", "regional"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["verify", "regional", "--policy", ledger + "/policy", "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("INTACT"), "\(r.stdout)\(r.stderr)")
        // …and builds its read models from it.
        r = try jejak(["project", "--db", "regional.sqlite", "--export", "regional", "--policy", ledger + "/policy",
                       "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("exchanges v3: applied through \(size)"), "\(r.stdout)\(r.stderr)")
        r = try jejak(["query", "exchanges", "--db", "regional.sqlite", "--format", "json"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("exchange/2026-4") && r.stdout.contains("biro-keuangan"), "\(r.status) \(r.stdout)\(r.stderr)")
        // The mirror's own copy, on the mirror's machine, projects the same way.
        r = try jejak(["project", "--db", "at-mirror.sqlite", "--export", "jatim/logs/" + Self.hash, "--policy", ledger + "/policy",
                       "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("exchanges v3: applied through \(size)"), "\(r.stdout)\(r.stderr)")
        // A copy that does not verify is refused before anything is projected.
        try FileManager.default.copyItem(atPath: w.path + "/regional", toPath: w.path + "/tampered")
        var bundle = try Data(contentsOf: URL(fileURLWithPath: w.path + "/tampered/tile/entries/000.p/\(size)"))
        bundle[bundle.count - 3] ^= 1
        try bundle.write(to: URL(fileURLWithPath: w.path + "/tampered/tile/entries/000.p/\(size)"))
        r = try jejak(["project", "--db", "tampered.sqlite", "--export", "tampered", "--policy", ledger + "/policy",
                       "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("does not verify"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.path + "/tampered.sqlite"))

        // Another history signed with the log's key: a copy of the ledger, extended with
        // another event than the ledger's next one.
        try FileManager.default.copyItem(atPath: ledger, toPath: w.path + "/forked")
        try Self.publish(1, from: 100, ledger: w.path + "/forked", in: w.path)
        try Self.publish(1, from: 200, ledger: ledger, in: w.path)

        // The primary restarts where it was: both mirrors follow it.
        primary = try start(["serve", "--listen", listen], ledger: ledger, in: w.path)
        _ = try ServeCLITests.listeningURL(primary)
        size += 1
        let held = try #require(try Self.mirrored(jatimURL, size: size, in: w.path))
        #expect(try Self.mirrored(sulselURL, size: size, in: w.path) != nil)
        primary.process.terminate()
        _ = try primary.finish()

        // The forged fork is served where the primary was: refused, kept as evidence, not served.
        let forked = try start(["serve", "--listen", listen], ledger: w.path + "/forked", in: w.path)
        defer { if forked.process.isRunning { kill(forked.process.processIdentifier, SIGKILL) } }
        _ = try ServeCLITests.listeningURL(forked)
        let evidence = w.path + "/jatim/logs/" + Self.hash + "/refused/\(size)-fork"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !FileManager.default.fileExists(atPath: evidence) { usleep(100_000) }
        let refusal = try String(contentsOfFile: evidence, encoding: .utf8)
        #expect(refusal.hasPrefix("refused: fork: "), "\(refusal)")
        #expect(refusal.contains(Self.origin + "\n\(size)\n"))
        #expect(try Self.mirrored(jatimURL, size: size, in: w.path) == held, "a mirror moved to the forked tree")
        forked.process.terminate()
        _ = try forked.finish()
        primary = try start(["serve", "--listen", listen], ledger: ledger, in: w.path)
        _ = try ServeCLITests.listeningURL(primary)

        // A mirror killed while the primary grows resumes from its state and serves only verified data.
        try Self.publish(2, from: 300, ledger: ledger, remote: remote, in: w.path)
        kill(sulsel.process.processIdentifier, SIGKILL)
        _ = try sulsel.finish()
        try Self.publish(3, from: 400, ledger: ledger, remote: remote, in: w.path)
        size += 5
        (sulsel, sulselURL) = try follow("sulsel")
        let resumed = try #require(try Self.mirrored(sulselURL, size: size, in: w.path))
        #expect(try Self.mirrored(jatimURL, size: size, in: w.path)?.checkpoint == resumed.checkpoint)
        r = try jejak(["export", "--from", sulselURL + "/" + Self.hash, "--server-policy", ledger + "/policy", "--out", "regional-sulsel"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["verify", "regional-sulsel", "--policy", ledger + "/policy", "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("INTACT"), "\(r.stdout)\(r.stderr)")

        // The first regional copy, as a round killed after writing two tiles of the next tree
        // leaves it (here: tiles that are not the log's): the next round fetches and checks them
        // again instead of keeping them, and the copy verifies.
        for junk in ["tile/entries/000.p/\(size)", "tile/0/000.p/\(size)"] {
            try FileManager.default.createDirectory(atPath: w.path + "/regional/" + (junk as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(repeating: 7, count: 64).write(to: URL(fileURLWithPath: w.path + "/regional/" + junk))
        }
        r = try jejak(["export", "--from", jatimURL + "/" + Self.hash, "--server-policy", ledger + "/policy", "--pin", "jatim.pin", "--out", "regional"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["verify", "regional", "--policy", ledger + "/policy", "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("INTACT") && r.stdout.contains("\(size)"), "\(r.stdout)\(r.stderr)")

        // The pushed interface refuses what it can't verify, with the spec's statuses.
        try Data("not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: w.path + "/junk"))
        for route in ["add-checkpoint", "add-entries"] {
            let status = try curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data-binary", "@junk", jatimURL + "/" + route], in: w.path)
            #expect(status == "400", "\(route) answered \(status)")
        }

        // SIGTERM stops them; the log says what was refused.
        for process in [jatim, sulsel, primary] { process.process.terminate() }
        let jatimOutput = try jatim.finish()
        #expect(jatimOutput.status == 0, "\(jatimOutput.stderr)")
        #expect(jatimOutput.stderr.contains("refused the primary"), "\(jatimOutput.stderr)")
        _ = try sulsel.finish()
        _ = try primary.finish()
    }
}
