import Foundation
import JejakJSON
import JejakTestSupport
import Testing

/// The repository's `seeds/` directory, found above this file.
private func seedsDirectory() throws -> String {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
        let seeds = dir.appendingPathComponent("seeds")
        if FileManager.default.fileExists(atPath: seeds.appendingPathComponent("scenario.json").path) { return seeds.path }
        dir.deleteLastPathComponent()
    }
    throw CLIFailureInTest("no seeds/scenario.json above \(#filePath)")
}

private struct CLIFailureInTest: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A count of the scenario's `expected` object.
private func expected(_ name: String, seeds: String) throws -> Int {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seeds + "/scenario.json")))
    let value = try JSONParser.parse(bytes)["expected"]?[name]?.int64Value
    return Int(try #require(value, "scenario.json states no expected.\(name)"))
}

/// The number of the scenario's `terbatas` and `rahasia` exchanges, and their titles (those no
/// public exchange shares), which must be sealed.
private func restrictedTitles(seeds: String) throws -> (count: Int, titles: Set<String>) {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: seeds + "/scenario.json")))
    var restricted = Set<String>(), open = Set<String>(), count = 0
    for e in try JSONParser.parse(bytes)["events"]?.arrayValue ?? [] {
        guard let title = e["data"]?["title"]?.stringValue, let c = e["data"]?["classification"]?.stringValue else { continue }
        if c == "terbuka" { open.insert(title) } else { restricted.insert(title); count += 1 }
    }
    return (count, restricted.subtracting(open))
}

@Suite(.serialized) struct DemoCLITests {
    @Test func theDemoMakesAnIntactLedgerWithTheScenariosNumbersAndAVerifiableExport() throws {
        let w = TemporaryDirectory("cli")
        let seeds = try seedsDirectory()
        let started = ContinuousClock.now
        var r = try jejak(["demo", "--dir", "demo", "--seeds", seeds, "--json"], in: w.path)
        let elapsed = ContinuousClock.now - started
        try #require(r.status == 0, "\(r.stderr)")
        #expect(elapsed < .seconds(60), "the demo took \(elapsed)")
        // One progress line per step on standard error.
        for step in 1...8 { #expect(r.stderr.contains("[\(step)/8] "), "\(r.stderr)") }

        let summary = try JSONParser.parse(Array(r.stdout.utf8))
        func number(_ name: String) -> Int? { summary[name]?.int64Value.map { Int($0) } }
        func status(_ name: String) -> Int? { summary["exchangesByStatus"]?[name]?.int64Value.map { Int($0) } }
        let units = try #require(number("units"))
        let events = try expected("events", seeds: seeds)
        #expect(number("scenarioEvents") == events)
        // A registration, a key and an encryption recipient per unit.
        #expect(number("registryEvents") == 3 * units)
        #expect(number("logSize") == 1 + 3 * units + events)
        #expect(number("witnessedSize") == number("logSize"), "the Inspektorat cosigned the whole log")
        let commits = try #require(number("commits"))
        #expect(commits > 0 && commits < events, "the units' concurrent appends share commits")

        #expect(number("exchanges") == (try expected("exchanges", seeds: seeds)))
        #expect(number("distributions") == (try expected("distributions", seeds: seeds)))
        #expect(status("acknowledged") == (try expected("acknowledged", seeds: seeds)))
        #expect(status("declined") == (try expected("declined", seeds: seeds)))
        #expect(status("withdrawn") == (try expected("withdrawn", seeds: seeds)))
        #expect(status("requested") == (try expected("unanswered", seeds: seeds)))
        #expect(status("delivered") == (try expected("pendingAcknowledgement", seeds: seeds)))
        #expect(status("rejected") == (try expected("awaitingRedelivery", seeds: seeds)))
        #expect(number("late") == (try expected("late", seeds: seeds)))
        #expect(summary["overdue"]?.arrayValue?.count == (try expected("overdueAtEnd", seeds: seeds)))
        #expect(number("findings") == (try expected("findings", seeds: seeds)))
        #expect(number("openFindings") == (try expected("openFindings", seeds: seeds)))
        #expect(summary["asOf"]?.stringValue == "2026-12-31")

        // The integrity audit is clean, with the read models compared.
        #expect(summary["auditVerdict"]?.stringValue == "clean")
        #expect(number("auditFindings") == 0)
        #expect((number("readModelTables") ?? 0) > 0)

        // The files are where the summary says.
        let demo = w.path + "/demo"
        let fm = FileManager.default
        for path in ["/.jejak-demo", "/ledger/policy", "/ledger/authority.vkey", "/ledger/store/data.mdb", "/inspektorat/witness.key",
                     "/unit-keys/biro-keuangan.key", "/read-models.sqlite", "/audit.html", "/witnessed.checkpoint", "/export/checkpoint"] {
            #expect(fm.fileExists(atPath: demo + path), "\(path)")
        }
        #expect(summary["files"]?["report"]?.stringValue?.hasSuffix("/demo/audit.html") == true)
        #expect(try String(contentsOfFile: demo + "/audit.html", encoding: .utf8).contains("Intact: no findings."))
        #expect(try String(contentsOfFile: demo + "/export/checkpoint", encoding: .utf8).contains("— inspektorat.kpu.go.id/witness "),
                "the exported checkpoint carries the Inspektorat's cosignature")

        // Sealed content: the public reads none of the restricted exchanges, the Inspektorat all,
        // the bureau those it takes part in; the audit opened every event sealed to the Inspektorat.
        let readers = try #require(summary["readers"]?.arrayValue)
        #expect(readers.map { $0["reader"]?.stringValue } == ["publik", "inspektorat", "biro-keuangan"])
        let sealedCount = try #require(readers.first?["sealedExchanges"]?.int64Value)
        let (restrictedCount, restricted) = try restrictedTitles(seeds: seeds)
        #expect(Int(sealedCount) == restrictedCount && sealedCount > 0 && !restricted.isEmpty)
        #expect(readers[0]["readable"]?.int64Value == 0)
        #expect(readers[1]["readable"]?.int64Value == sealedCount)
        let bureau = try #require(readers[2]["readable"]?.int64Value)
        #expect(bureau > 0 && bureau < sealedCount)
        #expect((number("sealedOpenedByAudit") ?? 0) > Int(sealedCount), "requests, deliveries and answers alike")
        #expect(fm.fileExists(atPath: demo + "/unit-keys/inspektorat.age"))
        #expect(try fm.attributesOfItem(atPath: demo + "/unit-keys/inspektorat.age")[.posixPermissions] as? Int == 0o600)

        // The export (meant to be public) and the public read models hold no plaintext of any
        // sealed title; the Inspektorat's read models hold them.
        var exported = Data()
        for case let file as String in fm.enumerator(atPath: demo + "/export") ?? FileManager.DirectoryEnumerator() {
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: demo + "/export/" + file, isDirectory: &isDir), !isDir.boolValue {
                exported.append(try Data(contentsOf: URL(fileURLWithPath: demo + "/export/" + file)))
            }
        }
        let publicModels = try Data(contentsOf: URL(fileURLWithPath: demo + "/read-models.sqlite"))
        let inspektoratModels = try Data(contentsOf: URL(fileURLWithPath: demo + "/read-models-inspektorat.sqlite"))
        #expect(exported.count > 100_000)
        for title in restricted {
            #expect(exported.range(of: Data(title.utf8)) == nil, "the export holds the sealed title \"\(title)\"")
            #expect(publicModels.range(of: Data(title.utf8)) == nil, "the public read models hold \"\(title)\"")
        }
        #expect(restricted.contains { inspektoratModels.range(of: Data($0.utf8)) != nil })

        // The export verifies offline under the policy, which requires the Inspektorat.
        r = try jejak(["verify", "demo/export", "--policy", "demo/ledger/policy", "--authority", "demo/ledger/authority.vkey",
                       "--report", "export.html"], in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasPrefix("Export of demo.jejak.kpu.go.id/ledger:"), "\(r.stdout)")
        let exportReport = try String(contentsOfFile: w.path + "/export.html", encoding: .utf8)
        #expect(exportReport.contains("<h1>Verification of an export of") && !exportReport.contains("Integrity audit of"),
                "an export's report says it is one")
        // The next commands the summary suggests work.
        r = try jejak(["query", "exchanges", "--db", "demo/read-models.sqlite", "--overdue", "--as-of", "2026-12-31", "--format", "json"],
                      in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try JSONParser.parse(Array(r.stdout.utf8)).arrayValue?.count == (try expected("overdueAtEnd", seeds: seeds)))
        r = try jejak(["inspect", "--ledger", "demo/ledger", "--trusted", "demo/witnessed.checkpoint", "--db", "demo/read-models.sqlite",
                       "--quiet"], in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")

        // Again in the same directory: the previous demo is replaced by a new one (new keys).
        // No --seeds, outside the repository, jejak not on PATH: the seeds shipped with the
        // binary, and each suggested command printed as it can be run.
        let oldLogKey = try String(contentsOfFile: demo + "/ledger/log.vkey", encoding: .utf8)
        r = try jejak(["demo", "--dir", "demo"], in: w.path, environment: ["PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stderr)")
        let next = r.stdout.components(separatedBy: "\nNext\n").last?.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        #expect(next.first?.contains("is not on your PATH; to type it as `jejak`: export PATH=") == true, "\(next)")
        let commands = next.filter { !$0.hasPrefix("(") }
        #expect(commands.count >= 6 && commands.allSatisfy { $0.hasPrefix(jejakBinary + " ") || $0.hasPrefix(URL(fileURLWithPath: jejakBinary).resolvingSymlinksInPath().path + " ") },
                "\(commands)")
        for command in commands where command.contains(" verify ") || command.contains(" query audits ") {
            let shell = try jejak(["-c", command], in: w.path, environment: ["PATH": "/usr/bin:/bin"], binary: "/bin/sh")
            #expect(shell.status == 0, "as printed: \(command)\n\(shell.stdout)\(shell.stderr)")
        }
        #expect(try String(contentsOfFile: demo + "/ledger/log.vkey", encoding: .utf8) != oldLogKey)
        #expect(r.stdout.contains("INTACT") && r.stdout.contains("Next"), "\(r.stdout)")
        #expect(r.stdout.contains("jejak verify demo/export --policy demo/ledger/policy --authority demo/ledger/authority.vkey"), "\(r.stdout)")
        #expect(r.stdout.contains("jejak query exchanges --db demo/read-models.sqlite --overdue --as-of 2026-12-31"), "\(r.stdout)")
    }

    @Test func aDirectoryTheDemoDidNotMakeIsRefusedAndLeftAlone() throws {
        let w = TemporaryDirectory("cli")
        let seeds = try seedsDirectory()
        try FileManager.default.createDirectory(atPath: w.path + "/mine", withIntermediateDirectories: true)
        try "keep me".write(toFile: w.path + "/mine/notes.txt", atomically: true, encoding: .utf8)
        var r = try jejak(["demo", "--dir", "mine", "--seeds", seeds], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("was not made by `jejak demo`"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.path + "/mine") == ["notes.txt"])

        try "a file".write(toFile: w.path + "/plain", atomically: true, encoding: .utf8)
        r = try jejak(["demo", "--dir", "plain", "--seeds", seeds], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("not a directory"), "\(r.stderr)")

        r = try jejak(["demo", "--dir", "elsewhere", "--seeds", w.path], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("do not load"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.path + "/elsewhere"), "nothing is made without seeds")
    }
}
