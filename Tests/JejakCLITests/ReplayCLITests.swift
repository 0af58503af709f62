import Foundation
import Jejak
import JejakJSON
import JejakTestSupport
import Testing

@Suite(.serialized) struct ReplayCLITests {
    @Test func replayBuildsTheReadModelsAsOfAnIndexADateOrATime() throws {
        let w = TemporaryDirectory("cli")
        // Five entries: genesis, two units, a key, a request (entry 4).
        let ledger = try ExportCLITests.ledgerWithAReceipt(w)

        var r = try jejak(["replay", "--until", "4", "--db", "before.sqlite", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        guard case .object(let before) = try JSONParser.parse(Array(r.stdout.utf8)) else {
            Issue.record("not a JSON object: \(r.stdout)")
            return
        }
        #expect(before["position"] == .number(JSONNumber(4)))
        #expect(before["logSize"] == .number(JSONNumber(5)))
        #expect(before["units"] == .number(JSONNumber(2)))
        #expect(before["exchanges"] == .object(JSONObject()))
        #expect(before["asOf"] == .null)

        r = try jejak(["replay", "--until", "5", "--db", "after.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("Replayed the read models as of entry 5 of 5: entries 0–4"), "\(r.stdout)")
        #expect(r.stdout.contains("Exchanges: 1 (requested 1)."), "\(r.stdout)")
        #expect(r.stdout.contains("exchanges v3 at 5"), "\(r.stdout)")

        // The files answer queries as of their point.
        r = try jejak(["query", "exchanges", "--db", "before.sqlite", "--format", "csv"], in: w.path)
        #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 1, "only the header: \(r.stdout)")
        r = try jejak(["query", "exchanges", "--db", "after.sqlite", "--format", "csv"], in: w.path)
        #expect(r.stdout.split(separator: "\n").count == 2 && r.stdout.contains("exchange/2026-000123"), "\(r.stdout)")

        // Times: a day (its end in WIB) and an RFC 3339 time, against the entries' appended times.
        r = try jejak(["replay", "--until", "2000-01-01", "--db", "y2k.sqlite", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""position":0"#) && r.stdout.contains(#""asOf":"2000-01-01T16:59:59.999Z""#),
                "\(r.stdout)\(r.stderr)")
        r = try jejak(["replay", "--until", "2999-12-31", "--db", "future.sqlite", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""position":5"#), "\(r.stdout)\(r.stderr)")
        var options = Ledger.Options()
        options.readOnly = true
        let third = try Ledger(opening: ledger, options: options).entry(at: 3).appended
        r = try jejak(["replay", "--until", third.rfc3339, "--db", "third.sqlite", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""position":4"#), "entries 0–3 were appended by then: \(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains(#""lastAppended":"\#(third.rfc3339)""#), "\(r.stdout)")
        let inWIB = LedgerTime(millisecondsSinceEpoch: third.millisecondsSinceEpoch + 7 * 3_600_000).rfc3339
            .replacingOccurrences(of: "Z", with: "+07:00")
        r = try jejak(["replay", "--until", inWIB, "--db", "third-wib.sqlite", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""position":4"#), "\(inWIB): \(r.stdout)\(r.stderr)")

        // Refusals: an existing file (unless --force), a point past the end, a bad point.
        let kept = try Data(contentsOf: URL(fileURLWithPath: w.path + "/before.sqlite"))
        r = try jejak(["replay", "--until", "5", "--db", "before.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("already exists") && r.stderr.contains("--force"), "\(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: w.path + "/before.sqlite")) == kept)
        r = try jejak(["replay", "--until", "5", "--db", "before.sqlite", "--force", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""position":5"#), "\(r.stderr)")
        r = try jejak(["replay", "--until", "6", "--db", "beyond.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("[replayRange]"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.path + "/beyond.sqlite"))
        r = try jejak(["replay", "--until", "yesterday", "--db", "x.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 64, "\(r.stderr)")
        r = try jejak(["replay", "--until", "2026-02-30", "--db", "x.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 64, "\(r.stderr)")

        r = try jejak(["replay", "--help"], in: w.path)
        #expect(r.stdout.contains("Examples:") && r.stdout.contains("jejak replay --until"), "\(r.stdout)")
        #expect(r.stdout.contains("WIB") && r.stdout.contains("+07:00"), "\(r.stdout)")
    }
}
