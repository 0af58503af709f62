import Foundation
import JejakTestSupport
import Testing

/// `jejak-bench` runs every section and reports one table; only its shape is checked (the
/// debug build's timings mean nothing, and the machine may be shared).
@Suite(.serialized) struct BenchCLITests {
    @Test func smokeRunReportsEveryFigureBesideItsLimitAndTarget() throws {
        let w = TemporaryDirectory("cli")
        let r = try jejakBench(["--smoke", "--json", "--dir", w.path + "/bench"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(json["mode"] as? String == "smoke")
        #expect((json["cores"] as? Int ?? 0) >= 1)
        #expect(json["date"] is String && json["cpu"] is String)

        let figures = try #require(json["figures"] as? [String: Double])
        for key in ["limits.ed25519VerifyAllCores", "limits.ed25519VerifyOneCore", "limits.lmdbSingleCommits",
                    "limits.lmdbBatchCommitEntries", "append.single", "append.singleP50Ms", "append.singleP99Ms",
                    "append.batch100", "append.concurrent", "append.concurrentP50Ms", "append.concurrentP99Ms",
                    "append.signing", "size.diskBytesPerEntry", "size.openMs", "proofs.inclusionP50Us",
                    "proofs.consistencyP50Us", "projections.exchanges", "projections.readDecode", "audit.full",
                    "audit.incrementalSeconds", "audit.peakMemoryMiB"] {
            #expect((figures[key] ?? 0) > 0, "\(key) is measured")
        }

        // Each row with a target says whether it is met; a ratio stands beside each limit.
        let rows = try #require(json["rows"] as? [[String: Any]])
        #expect(rows.count == figures.count)
        for row in rows {
            let key = row["key"] as? String ?? "?"
            if row["limit"] != nil { #expect(row["ratio"] is Double, "\(key) has a ratio") }
            if row["target"] != nil { #expect(row["met"] is Bool, "\(key) says whether its target is met") }
        }
        for key in ["append.single", "append.concurrent", "audit.full", "size.diskBytesPerEntry"] {
            let row = rows.first { $0["key"] as? String == key }
            #expect(row?["limit"] != nil && row?["target"] != nil, "\(key) stands beside its limit and target")
        }
    }

    @Test func onlyOneSectionRunsAndTheTableNamesItsColumns() throws {
        let w = TemporaryDirectory("cli")
        let r = try jejakBench(["--smoke", "--only", "proofs"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("smoke run"))
        for column in ["figure", "value", "limit", "ratio", "target", "met?"] { #expect(r.stdout.contains(column)) }
        #expect(r.stdout.contains("inclusion proof p50") && !r.stdout.contains("publishers"))

        let bad = try jejakBench(["--only", "everything"], in: w.path)
        #expect(bad.status == 64)
    }
}
