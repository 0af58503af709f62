import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakTestSupport
import JejakTlog
import Testing

/// The static tier: `jejak export --follow` keeps a tiles directory current while this process
/// writes the ledger, Debian's nginx serves it through `Tools/nginx/jejak-tiles.conf`, and the
/// client (`jejak export --from … --follow`) and the Python verifier read and verify the log
/// through nginx alone.
@Suite(.serialized) struct NginxCLITests {
    @Test func nginxServesAFollowedExportThatTheClientAndThePythonVerifierVerify() async throws {
        let w = TemporaryDirectory("nginx")
        let path = w.path + "/ledger"
        let authorityKey = try SignerKey.generate(name: "cli.jejak.local/authority")
        var options = Ledger.Options()
        options.durable = false
        let ledger = try await Ledger.create(at: path, origin: "cli.jejak.local/ledger", authorityKey: authorityKey, options: options)
        defer { ledger.close() }
        let authority = RegistryAuthority(key: authorityKey)
        let key = try SignerKey.generate(name: "biro-a")
        _ = try await ledger.append([try authority.registerUnit("biro-a", name: "A", role: .biro), try authority.addKey(key.verifierKey),
                                     try authority.registerUnit("biro-b", name: "B", role: .biro)])
        let publisher = UnitPublisher(key: key, ledger: ledger)
        let data = try JSONParser.parse(Array(request.replacingOccurrences(of: "biro-perencanaan", with: "biro-b").utf8))
        func publish(_ count: Int, from first: Int) async throws {
            let events = try (first..<first + count).map { i in
                try publisher.sign(type: "id.go.kpu.jejak.exchange.requested.v1", subject: "exchange/2026-\(i)", data: data, id: "e-\(i)")
            }
            _ = try await ledger.append(events)
        }
        try await publish(8, from: 0)
        let first = try ledger.latestCheckpoint().checkpoint.size

        let exporter = try start(["export", "--out", "tiles", "--follow", "--interval", "20", "--json"], ledger: path, in: w.path)
        defer { if exporter.process.isRunning { exporter.process.terminate() } }
        try await Self.waitFor("the first export") { FileManager.default.fileExists(atPath: w.path + "/tiles/checkpoint") }
        let nginx = try NginxServer(serving: w.path + "/tiles", in: w)
        defer { nginx.stop() }
        let trust = ["--server-policy", path + "/policy"]
        let mirror = try start(["export", "--from", nginx.url, "--out", "mirror", "--pin", "mirror.pin", "--follow", "--interval", "20", "--json"] + trust,
                               ledger: nil, in: w.path)
        defer { if mirror.process.isRunning { mirror.process.terminate() } }

        // The log grows past two full tiles while both followers run; keep one checkpoint nginx
        // served on the way, for the rollback below.
        var next = 8
        var served: String?
        for round in 0..<24 {
            try await publish(25, from: next)
            next += 25
            try await Task.sleep(for: .milliseconds(15))
            if round == 10 { served = try curl(["-s", nginx.url + "/checkpoint"], in: w.path) }
        }
        let size = try ledger.latestCheckpoint().checkpoint.size
        #expect(size == first + 600)
        try await Self.waitFor("the mirror to reach size \(size)") {
            ((try? TiledLog(directory: w.path + "/mirror").checkpoint())?.checkpoint.size ?? 0) == size
        }
        exporter.process.terminate()
        mirror.process.terminate()
        let exported = try exporter.finish(), mirrored = try mirror.finish()
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(mirrored.status == 0, "\(mirrored.stderr)")
        // One line per new checkpoint, sizes increasing; the mirror saw the log grow too (each
        // round proven consistent with the last from the tiles nginx served).
        let exportSizes = try Self.sizes(exported.stdout), mirrorSizes = try Self.sizes(mirrored.stdout)
        #expect(exportSizes.first == first && exportSizes.last == size && exportSizes == exportSizes.sorted() && Set(exportSizes).count == exportSizes.count,
                "\(exportSizes)")
        #expect(mirrorSizes.last == size && mirrorSizes.count >= 2 && mirrorSizes == mirrorSizes.sorted(), "\(mirrorSizes)")

        // The headers transparency logs use.
        let checkpointHeaders = try curl(["-s", "-D", "-", "-o", "/dev/null", nginx.url + "/checkpoint"], in: w.path)
        #expect(checkpointHeaders.hasPrefix("HTTP/1.1 200") && checkpointHeaders.contains("Content-Type: text/plain; charset=utf-8")
                && checkpointHeaders.contains("Cache-Control: no-cache") && checkpointHeaders.contains("Access-Control-Allow-Origin: *"),
                "\(checkpointHeaders)")
        let tileHeaders = try curl(["-s", "-D", "-", "-o", "/dev/null", nginx.url + "/tile/0/001"], in: w.path)
        #expect(tileHeaders.hasPrefix("HTTP/1.1 200") && tileHeaders.contains("Content-Type: application/octet-stream")
                && tileHeaders.contains("Cache-Control: public, max-age=31536000, immutable") && tileHeaders.contains("Access-Control-Allow-Origin: *"),
                "\(tileHeaders)")
        let bundleHeaders = try curl(["-s", "-D", "-", "-o", "/dev/null", "-H", "Accept-Encoding: gzip", nginx.url + "/tile/entries/000"], in: w.path)
        #expect(bundleHeaders.contains("Content-Encoding: gzip") && bundleHeaders.contains("immutable"), "\(bundleHeaders)")
        // A tile not written yet is a 404 nobody caches; the export's temporary files and
        // anything else are never served.
        let missing = try curl(["-s", "-D", "-", "-o", "/dev/null", nginx.url + "/tile/0/009"], in: w.path)
        #expect(missing.hasPrefix("HTTP/1.1 404") && !missing.contains("immutable"), "\(missing)")
        try Data("x".utf8).write(to: URL(fileURLWithPath: w.path + "/tiles/tile/.export-1-1.tmp"))
        for hidden in ["/tile/.export-1-1.tmp", "/nginx.conf", "/"] {
            let status = try curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", nginx.url + hidden], in: w.path)
            #expect(status == "404", "\(hidden): \(status)")
        }

        // The mirror verifies offline; the Python verifier verifies the log through nginx.
        var r = try jejak(["verify", "mirror", "--policy", path + "/policy", "--authority", path + "/authority.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("INTACT"), "\(r.stdout)\(r.stderr)")
        let python = try run(IndependentVerifierTests.python, [IndependentVerifierTests.script, "--url", nginx.url, "--policy", path + "/policy",
                                                               "--authority", path + "/authority.vkey"], in: w.path)
        #expect(python.status == 0 && python.stdout.hasSuffix("VERIFIED\n"), "\(python.stdout)\(python.stderr)")

        // nginx serving an older checkpoint (a rolled-back log): the mirror refuses it and keeps
        // what it holds.
        let held = try String(contentsOfFile: w.path + "/mirror/checkpoint", encoding: .utf8)
        let older = try #require(served)
        #expect(try SignedCheckpoint(parsing: older).checkpoint.size < size)
        try older.write(toFile: w.path + "/tiles/checkpoint", atomically: true, encoding: .utf8)
        r = try jejak(["export", "--from", nginx.url, "--out", "mirror", "--pin", "mirror.pin"] + trust, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("splitView") && r.stderr.contains("rolled back"), "\(r.stderr)")
        #expect(try String(contentsOfFile: w.path + "/mirror/checkpoint", encoding: .utf8) == held)

        // A tile changed behind nginx: a new mirror refuses it, writes no checkpoint and keeps
        // none of the tiles it fetched.
        try held.write(toFile: w.path + "/tiles/checkpoint", atomically: true, encoding: .utf8)
        let bundle = w.path + "/tiles/tile/entries/001"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: bundle)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))
        r = try jejak(["export", "--from", nginx.url, "--out", "fresh"] + trust, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("unverifiedResponse"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.path + "/fresh/checkpoint"))
        #expect(!FileManager.default.fileExists(atPath: w.path + "/fresh/tile/entries/001"))
        #expect(nginx.log.contains("[emerg]") == false, "\(nginx.log)")
    }

    /// The `size` of each JSON line a follower printed.
    static func sizes(_ stdout: String) throws -> [UInt64] {
        try stdout.split(separator: "\n").map { line in
            guard case .object(let summary) = try JSONParser.parse(Array(line.utf8)), case .number(let n)? = summary["size"],
                  let size = n.int64.flatMap({ UInt64(exactly: $0) }) else {
                throw NginxServer.Failure("not a summary line: \(line)")
            }
            return size
        }
    }

    /// Waits up to 30 seconds for `condition`.
    static func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(30)
        while !condition() {
            guard Date() < deadline else { throw NginxServer.Failure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
