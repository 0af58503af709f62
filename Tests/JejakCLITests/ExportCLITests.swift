import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakTestSupport
import JejakTlog
import Testing

@Suite(.serialized) struct ExportCLITests {
    /// A ledger with two units, a key for biro-keuangan and one published request whose receipt
    /// and signed event are in `r.tlog-proof` and `e.json`.
    static func ledgerWithAReceipt(_ w: TemporaryDirectory) throws -> String {
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        for unit in ["biro-keuangan", "biro-perencanaan"] {
            r = try jejak(["unit", "register", unit, "--name", unit.uppercased(), "--role", "biro"], ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
        }
        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        let vkey = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        r = try jejak(["unit", "add-key", "biro-keuangan", "--vkey", vkey], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000123", "--data", request, "--id", "req-1",
                       "--expected-version", "none", "--receipt", "r.tlog-proof", "--event-out", "e.json"],
                      ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        return ledger
    }

    @Test func exportWritesATilesTreeThatReadsBack() throws {
        let w = TemporaryDirectory("cli")
        let ledger = try Self.ledgerWithAReceipt(w)
        var r = try jejak(["export", "--out", "tiles", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        guard case .object(let summary) = try JSONParser.parse(Array(r.stdout.utf8)) else {
            Issue.record("not a JSON object: \(r.stdout)")
            return
        }
        #expect(summary["size"] == .number(JSONNumber(5)))
        #expect(summary["filesWritten"] == .number(JSONNumber(3)))
        #expect(summary["previousSize"] == .null)

        let log = TiledLog(directory: w.path + "/tiles")
        let checkpoint = try log.checkpoint()
        _ = try TlogPolicy(parsing: try String(contentsOfFile: ledger + "/policy", encoding: .utf8)).verify(checkpoint)
        #expect(try log.rootHash(treeSize: 5) == checkpoint.checkpoint.rootHash)
        var options = Ledger.Options()
        options.readOnly = true
        let stored = try Ledger(opening: ledger, options: options).leaves(from: 0, to: 5).map(\.leaf)
        #expect(try log.entries(from: 0, to: 5, treeSize: 5) == stored)

        // Again: nothing new. A smaller size, or one never signed, is refused with exit code 1.
        r = try jejak(["export", "--out", "tiles"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains("0 files written"), "\(r.stdout)")
        r = try jejak(["export", "--out", "tiles", "--size", "3"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("[exportConflict]"), "\(r.stderr)")
        r = try jejak(["export", "--out", "elsewhere", "--size", "9"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("[notFound]"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.path + "/elsewhere"))

        r = try jejak(["export", "--help"], in: w.path)
        #expect(r.stdout.contains("Example:") && r.stdout.contains("jejak export --out"))
    }

    @Test func verifyReceiptAcceptsTheEventAndRefusesATamperedOne() throws {
        let w = TemporaryDirectory("cli")
        let ledger = try Self.ledgerWithAReceipt(w)
        // Offline: no ledger, only the three files.
        try FileManager.default.copyItem(atPath: ledger + "/policy", toPath: w.path + "/jejak.policy")
        var r = try jejak(["verify-receipt", "r.tlog-proof", "--event", "e.json", "--policy", "jejak.policy"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("valid:") && r.stdout.contains("\"req-1\"") && r.stdout.contains("entry 4"), "\(r.stdout)")
        #expect(r.stdout.split(separator: "\n").count == 1)

        // A changed signature: the event parses, but it is not the entry the receipt proves.
        let original = try String(contentsOfFile: w.path + "/e.json", encoding: .utf8)
        let signature = try #require(original.range(of: #""sig":""#))
        var tampered = original
        let first = tampered.index(signature.upperBound, offsetBy: 0)
        tampered.replaceSubrange(first...first, with: tampered[first] == "A" ? "B" : "A")
        try tampered.write(toFile: w.path + "/tampered.json", atomically: true, encoding: .utf8)
        r = try jejak(["verify-receipt", "r.tlog-proof", "--event", "tampered.json", "--policy", "jejak.policy"], in: w.path)
        #expect(r.status == 1)
        #expect(r.stderr.contains("invalid") && r.stderr.contains("inclusionRejected"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")

        // Another ledger's policy: the checkpoint's signature is refused.
        r = try jejak(["init", "other", "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["verify-receipt", "r.tlog-proof", "--event", "e.json", "--policy", "other/policy"], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("policyRejected"), "\(r.stderr)")

        r = try jejak(["verify-receipt", "--help"], in: w.path)
        #expect(r.stdout.contains("Example:"))
    }

    @Test func historyPrintsEachEventVerified() throws {
        let w = TemporaryDirectory("cli")
        let ledger = try Self.ledgerWithAReceipt(w)
        var r = try jejak(["history", "exchange/2026-000123"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2, "\(r.stdout)")
        let line = try #require(lines.last)
        #expect(line.hasPrefix("v1  4  id.go.kpu.jejak.exchange.requested.v1  biro-keuangan  biro-keuangan+"), "\(line)")
        #expect(line.hasSuffix("  verified"))

        // The registry stream of a unit: its registration and its key, in order.
        r = try jejak(["history", "registry/biro-keuangan", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let events = try r.stdout.split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
        #expect(events.count == 2)
        for (n, e) in events.enumerated() {
            guard case .object(let o) = e else { continue }
            #expect(o["version"] == .number(JSONNumber(Int64(n + 1))))
            #expect(o["verified"] == .bool(true))
            #expect(o["source"] == .string("cli.jejak.local/ledger/authority"))
            if case .string(let text)? = o["receipt"] {
                #expect(text.hasPrefix("c2sp.org/tlog-proof@v1\n"))
            } else {
                Issue.record("no receipt in \(o)")
            }
        }

        r = try jejak(["history", "exchange/none"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("no events"), "\(r.stderr)")
        r = try jejak(["history", "--help"], in: w.path)
        #expect(r.stdout.contains("Example:"))
    }
}
