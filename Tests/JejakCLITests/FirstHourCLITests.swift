import Foundation
import JejakJSON
import JejakTestSupport
import Testing

/// A new ledger in `w` (`w/ledger`) with units `provider` and `requester` registered, the
/// requester's key in `w/bp.key`.
func ledgerWithTwoUnits(_ w: TemporaryDirectory, provider: String = "biro-keuangan", requester: String = "biro-perencanaan") throws -> String {
    let ledger = w.path + "/ledger"
    var r = try jejak(["init", ledger, "--origin", "first.jejak.local/ledger"], in: w.path)
    try #require(r.status == 0, "\(r.stderr)")
    for unit in [provider, requester] {
        r = try jejak(["unit", "register", unit, "--name", unit, "--role", "biro"], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
    }
    r = try jejak(["key", "generate", requester, "--out", "bp.key"], in: w.path)
    r = try jejak(["unit", "add-key", requester, "--vkey", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)], ledger: ledger, in: w.path)
    try #require(r.status == 0, "\(r.stderr)")
    return ledger
}

/// What a new user meets first: the help's example runs as printed, and each refusal says what
/// to do next.
@Suite(.serialized) struct FirstHourCLITests {
    /// A ledger with two units, biro-perencanaan holding the key bp.key (a copy in
    /// biro-perencanaan.key, as the help's example names it).
    private func ledger(_ w: TemporaryDirectory) throws -> String {
        let ledger = try ledgerWithTwoUnits(w)
        try FileManager.default.copyItem(atPath: w.path + "/bp.key", toPath: w.path + "/biro-perencanaan.key")
        return ledger
    }

    private func publish(_ key: String, _ data: String, type: String = "id.go.kpu.jejak.exchange.requested.v1",
                         ledger: String, in w: TemporaryDirectory) throws -> CommandResult {
        try jejak(["publish", "--key", key, "--type", type, "--subject", "exchange/2026-9\(UInt16.random(in: 1000...9999))", "--data", data],
                  ledger: ledger, in: w.path)
    }

    @Test func thePublishHelpsExampleRunsAsPrinted() throws {
        let w = TemporaryDirectory("cli")
        let ledger = try ledger(w)
        let help = try jejak(["publish", "--help"], in: w.path).stdout
        let lines = help.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("  jejak publish --key") }, "\(help)")
        var command = [String]()
        for line in lines[start...] {
            command.append(line)
            if !line.hasSuffix("\\") && !line.hasSuffix(",") { break }
        }
        #expect(command.count > 1 && command.allSatisfy { $0.count <= 80 }, "each line fits 80 columns, so help does not re-wrap it")
        let bin = URL(fileURLWithPath: jejakBinary).deletingLastPathComponent().path
        let r = try jejak(["-c", command.joined(separator: "\n")], ledger: ledger, in: w.path,
                          environment: ["PATH": "\(bin):/usr/bin:/bin"], binary: "/bin/sh")
        #expect(r.status == 0, "\(command.joined(separator: "\n"))\n\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: w.path + "/req.tlog-proof") && FileManager.default.fileExists(atPath: w.path + "/req.dsse.json"))
    }

    @Test func eachRefusalSaysWhatToDoNext() throws {
        let w = TemporaryDirectory("cli")
        let ledger = try ledger(w)
        let good = #"{"provider":"biro-keuangan","category":"anggaran","title":"Rekap","purpose":"Laporan","legalBasis":"UU 7/2017","dueDate":"2026-12-31","classification":"terbuka"}"#
        var r = try jejak(["publish", "--key", "bp.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/2026-1",
                           "--data", good, "--event-out", "event.json"], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        let size = try jejak(["log", "--json"], ledger: ledger, in: w.path).stdout

        // An event file given as the key: not a key file, whatever its mode.
        #expect(chmod(w.path + "/event.json", 0o644) == 0)
        r = try publish("event.json", good, ledger: ledger, in: w)
        #expect(r.status == 1 && r.stderr.contains("holds no private key") && r.stderr.contains("JSON") && !r.stderr.contains("chmod"),
                "\(r.stderr)")
        // A key file others can read still gets the fix.
        #expect(chmod(w.path + "/bp.key", 0o644) == 0)
        r = try publish("bp.key", good, ledger: ledger, in: w)
        #expect(r.status == 1 && r.stderr.contains("chmod 600"), "\(r.stderr)")
        #expect(chmod(w.path + "/bp.key", 0o600) == 0)

        // A unit nobody registered, and a key nobody added: the commands that fix them.
        _ = try jejak(["key", "generate", "biro-umum", "--out", "bu.key"], in: w.path)
        r = try publish("bu.key", good, ledger: ledger, in: w)
        #expect(r.status == 1 && r.stderr.contains("unknownSource") && r.stderr.contains("jejak unit register biro-umum"), "\(r.stderr)")
        _ = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        r = try publish("bk.key", good.replacingOccurrences(of: "biro-keuangan", with: "biro-perencanaan"),
                        ledger: ledger, in: w)
        #expect(r.status == 1 && r.stderr.contains("keyNotActive") && r.stderr.contains("jejak unit add-key biro-keuangan"), "\(r.stderr)")

        // Every schema problem at once, formats with the form expected.
        r = try publish("bp.key", good.replacingOccurrences(of: #""category":"anggaran","#, with: "").replacingOccurrences(of: "2026-12-31", with: "31/12/2026"), ledger: ledger, in: w)
        #expect(r.status == 1 && r.stderr.contains("(2 problems)") && r.stderr.contains("expected YYYY-MM-DD")
                && r.stderr.contains("category"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("(position 0 in the append, event id \""), "one wording for which event: \(r.stderr)")
        // A category the domain does not publish.
        r = try publish("bp.key", good.replacingOccurrences(of: "anggaran", with: "anggran"), ledger: ledger, in: w)
        #expect(r.status == 1 && r.stderr.contains("unknown-category") && r.stderr.contains("did you mean anggaran?")
                && r.stderr.contains("laporan-keuangan"), "\(r.stderr)")
        // A mistyped type.
        r = try publish("bp.key", good, type: "id.go.kpu.jejak.exchange.request.v1", ledger: ledger, in: w)
        #expect(r.status == 1 && r.stderr.contains("did you mean id.go.kpu.jejak.exchange.requested.v1?"), "\(r.stderr)")

        #expect(try jejak(["log", "--json"], ledger: ledger, in: w.path).stdout == size, "no refusal wrote anything")
    }

    @Test func typesListsEveryTypeWithWhatItsDataNeeds() throws {
        let w = TemporaryDirectory("cli")
        var r = try jejak(["types", "--json"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try #require(try JSONParser.parse(Array(r.stdout.utf8)).arrayValue)
        #expect(rows.count == 17)
        let requested = try #require(rows.first { $0["type"]?.stringValue == "id.go.kpu.jejak.exchange.requested.v1" })
        #expect(requested["required"]?.arrayValue?.compactMap(\.stringValue) == ["provider", "category", "dueDate", "classification"])
        #expect(requested["requiredUnlessSealed"]?.arrayValue?.compactMap(\.stringValue) == ["title", "purpose", "legalBasis"])
        #expect(requested["stream"]?.stringValue == "exchange/<id>")
        r = try jejak(["types", "--area", "audit"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("id.go.kpu.jejak.audit.finding-recorded.v1") && !r.stdout.contains(".exchange."), "\(r.stdout)")
        r = try jejak(["types", "--area", "pemilu"], in: w.path)
        #expect(r.status == 64 && r.stderr.contains("--area must be"), "\(r.stderr)")
    }
}

/// Receipts kept from before the witness joined the policy: `jejak receipt` writes fresh ones.
@Suite struct FreshReceiptCLITests {
    @Test func aReceiptFromBeforeTheWitnessIsReplacedByAWitnessedOne() throws {
        let w = TemporaryDirectory("cli")
        let ledger = try ledgerWithTwoUnits(w)
        var r: CommandResult
        r = try jejak(["publish", "--key", "bp.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/2026-7",
                       "--id", "req-7", "--data", #"{"provider":"biro-keuangan","category":"anggaran","title":"Rekap","purpose":"Laporan","legalBasis":"UU 7/2017","dueDate":"2026-12-31","classification":"terbuka"}"#,
                       "--receipt", "old.tlog-proof", "--event-out", "e.json"], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        r = try jejak(["witness", "init", "--state", "witness", "--ledger", ledger], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")

        // The old receipt no longer meets the policy, and nothing is cosigned yet.
        r = try jejak(["verify-receipt", "old.tlog-proof", "--event", "e.json", "--policy", ledger + "/policy"], in: w.path)
        #expect(r.status == 1, "\(r.stdout)")
        r = try jejak(["receipt", "req-7"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("notWitnessed") && r.stderr.contains("jejak witness cosign"), "\(r.stderr)")
        r = try jejak(["history", "exchange/2026-7"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stdout.contains("NOT VERIFIED") && r.stdout.contains("`jejak receipt 4`"), "\(r.stdout)")

        r = try jejak(["witness", "cosign", "--state", "witness"], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        r = try jejak(["receipt", "req-7", "--out", "new.tlog-proof"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stderr.contains("cosigned by"), "\(r.stderr)")
        r = try jejak(["verify-receipt", "new.tlog-proof", "--event", "e.json", "--policy", ledger + "/policy"], in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // The next commit is not cosigned: history still verifies the event against the witnessed checkpoint.
        r = try jejak(["unit", "register", "biro-umum", "--name", "Biro Umum", "--role", "biro"], ledger: ledger, in: w.path)
        r = try jejak(["history", "exchange/2026-7"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains("the witnessed checkpoint of size 5") && !r.stdout.contains("NOT VERIFIED"), "\(r.stdout)\(r.stderr)")
        r = try jejak(["receipt", "99"], ledger: ledger, in: w.path)
        #expect(r.status == 1, "\(r.stderr)")
    }
}

/// A query says when its read models lag the log, and --refresh catches them up.
@Suite struct StaleReadModelsCLITests {
    @Test func aQueryOnStaleReadModelsSaysHowFarBehindAndRefreshCatchesUp() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "stale.jejak.local/ledger"], in: w.path)
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        r = try jejak(["project", "--db", "rm.sqlite"], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        r = try jejak(["query", "units", "--db", "rm.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && !r.stderr.contains("behind"), "\(r.stderr)")
        for unit in ["biro-umum", "biro-hukum"] {
            r = try jejak(["unit", "register", unit, "--name", unit, "--role", "biro"], ledger: ledger, in: w.path)
        }
        r = try jejak(["query", "units", "--db", "rm.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stderr.contains("2 entries behind the log") && r.stderr.contains("--refresh") && !r.stdout.contains("biro-umum"),
                "\(r.stderr)")
        r = try jejak(["query", "units", "--db", "rm.sqlite", "--refresh"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && !r.stderr.contains("behind") && r.stdout.contains("biro-umum") && r.stdout.contains("biro-hukum"), "\(r.stdout)\(r.stderr)")
        r = try jejak(["query", "units", "--db", "rm.sqlite", "--refresh"], ledger: nil, in: w.path, environment: ["JEJAK_LEDGER": ""])
        #expect(r.status == 64 && r.stderr.contains("--refresh needs the ledger"), "\(r.stderr)")
    }
}

/// A table wider than the terminal is cut to fit it; piped, nothing is cut.
@Suite struct TableWidthCLITests {
    @Test func aWideTableFitsTheTerminalAndIsWholeInAPipe() throws {
        let w = TemporaryDirectory("cli")
        let ledger = try ledgerWithTwoUnits(w, provider: "biro-keuangan-dan-barang-milik-negara", requester: "biro-perencanaan-dan-anggaran-kinerja")
        var r: CommandResult
        let title = String(repeating: "Rekapitulasi anggaran ", count: 6)
        let data = #"{"provider":"biro-keuangan-dan-barang-milik-negara","category":"anggaran","title":"\#(title)","purpose":"Laporan","legalBasis":"UU 7/2017","dueDate":"2026-12-31","classification":"terbuka"}"#
        r = try jejak(["publish", "--key", "bp.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/2026-000777-panjang",
                       "--data", data], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        r = try jejak(["project", "--db", "rm.sqlite"], ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")

        let piped = try jejak(["query", "exchanges", "--db", "rm.sqlite"], in: w.path)
        #expect(piped.stdout.contains(title.trimmingCharacters(in: .whitespaces)) && !piped.stdout.contains("…"), "\(piped.stdout)")
        let widest = piped.stdout.split(separator: "\n").map(\.count).max() ?? 0
        #expect(widest > 200)
        // On a terminal (a pty from script(1)) of 160 columns.
        let query = "\(jejakBinary) query exchanges --db rm.sqlite"
        let tty = try jejak(["-qc", query, "/dev/null"], in: w.path, environment: ["COLUMNS": "160"], binary: "/usr/bin/script")
        let lines = tty.stdout.replacingOccurrences(of: "\r", with: "").split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.count <= 160 }, "\(lines.map(\.count)): \(tty.stdout)")
        #expect(lines.last?.hasPrefix("exchange/2026-000777-panjang") == true && tty.stdout.contains("…"), "\(tty.stdout)")
    }
}

/// The command line in Bahasa Indonesia: `--lang id` on any command (or the environment) makes
/// refusals lead with the broken rule in Indonesian, keeping the code a script matches on.
@Suite struct CLILanguageTests {
    @Test func refusalsLeadWithTheRuleInIndonesian() throws {
        let w = TemporaryDirectory()
        let ledger = try ledgerWithTwoUnits(w)
        var r = try jejak(["show", "99", "--lang", "id"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.hasPrefix("Galat: Entri, checkpoint atau peristiwa yang diminta tidak ada. Rincian: "), "\(r.stderr)")
        #expect(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("[notFound]"), "\(r.stderr)")
        r = try jejak(["show", "99"], ledger: ledger, in: w.path, environment: ["JEJAK_LANG": "id"])
        #expect(r.status == 1 && r.stderr.hasPrefix("Galat: Entri"), "\(r.stderr)")
        r = try jejak(["--lang=en", "show", "99"], ledger: ledger, in: w.path, environment: ["JEJAK_LANG": "id"])
        #expect(r.status == 1 && r.stderr.hasPrefix("Error: ") && !r.stderr.contains("Rincian"), "\(r.stderr)")
        // An unknown language is a command-line error, and nothing runs.
        r = try jejak(["show", "0", "--lang", "fr"], ledger: ledger, in: w.path)
        #expect(r.status == 64 && r.stderr.contains("--lang must be id"), "\(r.stderr)")
        r = try jejak(["show", "0", "--lang"], ledger: ledger, in: w.path)
        #expect(r.status == 64, "\(r.stderr)")
        // After `--`, `--lang` is an argument like any other, not the option.
        r = try jejak(["show", "--", "--lang"], ledger: ledger, in: w.path)
        #expect(r.status == 64 && !r.stderr.contains("--lang must be"), "\(r.stderr)")
    }

    /// Every command's `--help`, of both tools, in Indonesian: its overview and each of its
    /// options' help differ from the English (ArgumentParser's own `--help` and `--version`
    /// lines excepted), walking the command tree from the roots' subcommand lists.
    @Test func everyCommandsHelpIsInIndonesian() throws {
        let w = TemporaryDirectory()
        for binary in [jejakBinary, jejakVerifyBinary] {
            var pending: [[String]] = [[]]
            var seen = 0
            while let path = pending.popLast() {
                seen += 1
                try #require(seen < 200 && path.count < 4, "the command tree does not end: \(path)")
                let en = try jejak(path + ["--help"], in: w.path, binary: binary)
                let id = try jejak(path + ["--help"], in: w.path, environment: ["JEJAK_LANG": "id"], binary: binary)
                try #require(en.status == 0 && id.status == 0, "\(path): \(en.stderr) \(id.stderr)")
                let name = ([URL(fileURLWithPath: binary).lastPathComponent] + path).joined(separator: " ")
                #expect(HelpText(en.stdout).overview != HelpText(id.stdout).overview, "\(name): the overview is not translated")
                let english = HelpText(en.stdout).options, indonesian = HelpText(id.stdout).options
                for (option, text) in english where !text.isEmpty && !["-h, --help", "--version"].contains(option) {
                    #expect(indonesian[option] != nil && indonesian[option] != text, "\(name) \(option): \(text)")
                }
                pending += HelpText(en.stdout).subcommands.filter { $0 != "help" }.map { path + [$0] }
            }
            #expect(seen > (binary == jejakBinary ? 40 : 4), "\(binary): only \(seen) commands found")
        }
    }

    /// A command's own lines, not only its refusals, are in Indonesian.
    @Test func aCommandsOwnLinesAreInIndonesian() throws {
        let w = TemporaryDirectory()
        var r = try jejak(["init", w.path + "/ledger", "--origin", "lang.jejak.local/ledger"], in: w.path, environment: ["JEJAK_LANG": "id"])
        #expect(r.status == 0 && r.stdout.hasPrefix("Ledger lang.jejak.local/ledger dibuat di "), "\(r.stdout)")
        #expect(r.stdout.contains("Kunci privat otoritas registri ada di ") && !r.stdout.contains("Created"), "\(r.stdout)")
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro", "--lang", "id"], ledger: w.path + "/ledger", in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["log", "--lang", "id"], ledger: w.path + "/ledger", in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        // A usage problem of Jejak's own (not ArgumentParser's) is in Indonesian too.
        r = try jejak(["log"], in: w.path, environment: ["JEJAK_LANG": "id", "JEJAK_LEDGER": ""])
        #expect(r.status == 64 && r.stderr.contains("JEJAK_LEDGER") && !r.stderr.contains("No ledger given"), "\(r.stderr)")
    }

    @Test func everyErrorCodeHasAnIndonesianRule() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let catalog = try String(contentsOf: sources.appendingPathComponent("JejakOfflineCommands/RefusalSentences.swift"), encoding: .utf8)
        let declaration = /static var [a-zA-Z]+: Self \{ Self\("([^"]+)"\)/
        var names = Set<String>()
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        for file in files {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for match in text.matches(of: declaration) { names.insert(String(match.1)) }
        }
        #expect(names.count > 100)
        let missing = names.filter { !catalog.contains("\"\($0)\": \"") }.sorted()
        #expect(missing.isEmpty, "codes without an Indonesian sentence: \(missing)")
    }
}

/// The parts of an ArgumentParser help text a translation test compares.
struct HelpText {
    /// The overview's first line.
    var overview = ""
    /// Each option's spelling (`--ledger <dir>` → `--ledger`) → its help text, joined over its lines.
    var options: [String: String] = [:]
    /// The subcommands' names.
    var subcommands: [String] = []

    init(_ text: String) {
        var section = ""
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("OVERVIEW: ") { overview = String(line.dropFirst(10)); section = "OVERVIEW"; continue }
            if !line.hasPrefix(" "), line.hasSuffix(":") { section = line; current = nil; continue }
            if line.isEmpty { current = nil; continue }
            let trimmed = line.drop { $0 == " " }
            let indent = line.count - trimmed.count
            if section == "SUBCOMMANDS:", indent == 2, let name = trimmed.split(separator: " ").first,
               name.wholeMatch(of: /[a-z][a-z0-9-]*/) != nil {
                subcommands.append(String(name))
            }
            guard section == "OPTIONS:" || section == "ARGUMENTS:" else { continue }
            if indent == 2 {
                let parts = trimmed.split(separator: "  ", maxSplits: 1)
                let spelling = String(parts[0])
                let key = spelling.split(separator: " ").first { $0.hasPrefix("-") || $0.hasPrefix("<") }.map(String.init) ?? spelling
                let option = spelling.hasPrefix("-h, --help") ? "-h, --help" : key
                current = option
                options[option] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
            } else if let current {
                options[current, default: ""] += " " + trimmed
            }
        }
    }
}
