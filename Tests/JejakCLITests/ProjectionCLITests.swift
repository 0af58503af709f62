import Foundation
import JejakTestSupport
import Testing

@Suite(.serialized) struct ProjectionCLITests {
    @Test func projectBuildsTheReadModelsAndQueryAnswersInEveryFormat() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        for (id, name) in [("biro-keuangan", "Biro Keuangan"), ("biro-perencanaan", "Biro Perencanaan")] {
            r = try jejak(["unit", "register", id, "--name", name, "--role", "biro"], ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
        }
        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        let vkey = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        r = try jejak(["unit", "add-key", "biro-keuangan", "--vkey", vkey], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let overdueRequest = request.replacingOccurrences(of: "2026-12-31", with: "2026-01-15")
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000001", "--data", overdueRequest], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        r = try jejak(["project", "--db", "rm.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("exchanges v3: applied through 5, lag 0"))

        r = try jejak(["query", "exchanges", "--db", "rm.sqlite", "--overdue", "--as-of", "2026-02-01", "--format", "csv"],
                      in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("exchange/2026-000001,requested,biro-keuangan,biro-perencanaan,anggaran,terbuka,Rekap,2026-01-15,") == true)
        r = try jejak(["query", "exchanges", "--db", "rm.sqlite", "--overdue", "--as-of", "2026-01-10"], in: w.path)
        #expect(r.stdout.split(separator: "\n").count == 1, "only the header: not overdue yet")

        r = try jejak(["query", "units", "--db", "rm.sqlite", "--format", "json"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let units = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        #expect(units?.compactMap { $0["id"] as? String } == ["biro-keuangan", "biro-perencanaan"])
        #expect(units?.first?["activeKeys"] as? Int == 1)

        r = try jejak(["query", "audits", "--db", "rm.sqlite"], in: w.path)
        #expect(r.status == 0 && r.stdout.hasPrefix("audit"), "\(r.stderr)")
        r = try jejak(["query", "timeline", "exchange/2026-000001", "--db", "rm.sqlite"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("requested"), "\(r.stderr)")

        // --only builds the named read models alone; an unknown name is a usage error.
        r = try jejak(["project", "--db", "only.sqlite", "--only", "exchanges"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "exchanges v3: applied through 5, lag 0\n", "\(r.stdout)")
        r = try jejak(["query", "exchanges", "--db", "only.sqlite", "--format", "csv"], in: w.path)
        #expect(r.stdout.split(separator: "\n").count == 2, "\(r.stdout)")
        r = try jejak(["project", "--db", "only.sqlite", "--only", "ledgers"], ledger: ledger, in: w.path)
        #expect(r.status == 64 && r.stderr.contains("no read model \"ledgers\""), "\(r.stderr)")

        r = try jejak(["query", "exchanges", "--db", "missing.sqlite"], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("jejak project"))
        r = try jejak(["query", "exchanges", "--db", "rm.sqlite", "--status", "lost"], in: w.path)
        #expect(r.status == 64)
    }

    @Test func projectFollowStopsCleanlyOnSIGTERM() async throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let follower = try start(["project", "--db", "rm.sqlite", "--follow"], ledger: ledger, in: w.path)
        // A unit registered while it follows lands in the read models.
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        var seen = false
        for _ in 0..<200 where !seen {
            try await Task.sleep(for: .milliseconds(25))
            let q = try jejak(["query", "units", "--db", "rm.sqlite", "--format", "csv"], in: w.path)
            seen = q.stdout.contains("biro-keuangan")
        }
        #expect(seen)
        follower.process.terminate()
        let result = try follower.finish()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("units v1: applied through 2, lag 0"))
    }
}
