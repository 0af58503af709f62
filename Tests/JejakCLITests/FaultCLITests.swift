import Foundation
import Testing

#if canImport(Glibc)
import Glibc
import JejakTestSupport
#endif

/// Faults around the real binary: a full disk (a file-size limit, and a small file system when
/// the test may mount one), a read-only directory, a second writer process, readers during
/// writes, and private keys in output. After each, the error is typed and one sentence, the
/// journal of what was acknowledged holds, and `jejak inspect` finds nothing.
@Suite(.serialized) struct FaultCLITests {
    /// Whether the tests (and so the `jejak` binary) run under ThreadSanitizer, whose runtime
    /// itself dies under a file-size limit ("nested bug in the same thread").
    static let underThreadSanitizer = dlsym(nil, "__tsan_init") != nil

    /// A ledger with the stress units registered, in a work directory.
    struct Setup {
        let w: TemporaryDirectory
        var ledger: String { w.path + "/ledger" }
        var keys: String { w.path + "/keys" }

        init() throws {
            w = TemporaryDirectory("cli")
            var r = try jejak(["init", w.path + "/ledger", "--origin", "fault.jejak.local/ledger"], in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
            r = try jejakBench(["stress", "setup", "--keys", w.path + "/keys"], ledger: w.path + "/ledger", in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
        }

        /// Runs a shell command line with `$JEJAK`, `$JEJAK_BENCH` and `$JEJAK_LEDGER` set.
        func shell(_ script: String) throws -> CommandResult {
            try bash(["-c", script], environment: ["JEJAK": jejakBinary, "JEJAK_BENCH": jejakBenchBinary, "JEJAK_LEDGER": ledger],
                     in: w.path)
        }

        /// Every journal of the work directory holds (every receipt in the log, no partial
        /// batch, no unannounced event) and the audit is clean.
        func expectIntact(sourceLocation: SourceLocation = #_sourceLocation) throws {
            let journals = try FileManager.default.contentsOfDirectory(atPath: w.path).filter { $0.hasPrefix("j-") }
            let check = try jejakBench(["stress", "check"] + journals.map { w.path + "/" + $0 }, ledger: ledger, in: w.path)
            #expect(check.status == 0 && check.stdout.contains("problems 0"), "\(check.stdout)\(check.stderr)",
                    sourceLocation: sourceLocation)
            let audit = try jejak(["inspect", "--json", "--quiet"], ledger: ledger, in: w.path)
            #expect(audit.status == 0 && audit.stdout.contains("\"findingCount\" : 0"), "\(audit.stdout)\(audit.stderr)",
                    sourceLocation: sourceLocation)
        }

        /// Appends after the fault: the ledger takes writes again.
        func expectWritable(_ run: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try jejakBench(["stress", "publish", "--keys", keys, "--journal", w.path + "/j-" + run, "--run", run,
                               "--tasks", "2", "--exchanges", "2"], ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
            try expectIntact(sourceLocation: sourceLocation)
        }
    }

    /// The command's error: the last line of standard error that starts `Error: ` (the
    /// writer thread may still log refused commits after it).
    func errorLine(_ r: CommandResult) -> String {
        r.stderr.split(separator: "\n").last { $0.hasPrefix("Error: ") }.map(String.init) ?? ""
    }

    @Test(.disabled(if: underThreadSanitizer, "ThreadSanitizer's runtime dies under a file-size limit"))
    func aFileSizeLimitRefusesTheCommitAndLosesNothingAcknowledged() throws {
        let s = try Setup()
        // The limit is hit while appends go on: the binary is not killed by SIGXFSZ, the commit
        // fails whole with EFBIG, and the publisher exits with one sentence.
        let r = try s.shell("ulimit -f 400; exec \"$JEJAK_BENCH\" stress publish --keys keys --journal j-full --run full --tasks 8")
        #expect(r.status == 1, "\(r.stderr)")
        let line = errorLine(r)
        #expect(line.hasPrefix("Error: ") && line.hasSuffix("[storage]"), "\(line)")
        #expect(line.contains("the disk is full or a file size limit"), "\(line)")
        try s.expectIntact()
        try s.expectWritable("after")
    }

    @Test func aFullSmallFileSystemRefusesTheCommitAndLosesNothingAcknowledged() throws {
        let s = try Setup()
        // Mounting needs root and a private mount namespace (unshare); skip where neither is allowed.
        let probe = try s.shell("unshare -m true")
        guard geteuid() == 0, probe.status == 0 else { return }
        let small = s.w.path + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: false)
        try """
            mount -t tmpfs -o size=700k tmpfs small || exit 99
            # Only the ledger is on the small file system; the journals are not.
            "$JEJAK" init small/ledger --origin small.jejak.local/ledger >/dev/null || exit 98
            export JEJAK_LEDGER=$PWD/small/ledger
            "$JEJAK_BENCH" stress setup --keys small/keys >/dev/null || exit 97
            "$JEJAK_BENCH" stress publish --keys small/keys --journal j --run full --tasks 8 2>err; echo "publish $?"
            grep "^Error: " err | tail -1
            "$JEJAK_BENCH" stress check j | tail -1
            "$JEJAK" inspect --json --quiet | grep -c '"findingCount" : 0'
            # Small appends may still fit into free pages.
            rm -f err
            "$JEJAK_BENCH" stress publish --keys small/keys --journal j2 --run after --tasks 1 --exchanges 1; echo "again $?"
            "$JEJAK_BENCH" stress check j j2 | tail -1
            "$JEJAK" inspect --json --quiet | grep -c '"findingCount" : 0'
            """.write(toFile: s.w.path + "/small.sh", atomically: true, encoding: .utf8)
        let r = try s.shell("unshare -m bash small.sh")
        if r.status == 99 { return }  // no tmpfs here
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "publish 1", "\(r.stdout)\(r.stderr)")
        #expect(lines.count > 1 && lines[1].hasPrefix("Error: ") && lines[1].hasSuffix("[storage]"), "\(r.stdout)")
        #expect(lines.count > 1 && lines[1].contains("the disk is full or a file size limit"), "\(r.stdout)")
        #expect(lines.count > 3 && lines[2].hasSuffix("problems 0") && lines[3] == "1", "\(r.stdout)\(r.stderr)")
        if lines.count > 6, lines[4] == "again 0" {
            #expect(lines[5].hasSuffix("problems 0") && lines[6] == "1", "\(r.stdout)\(r.stderr)")
        }
    }

    @Test(.disabled(if: underThreadSanitizer, "ThreadSanitizer's runtime dies under a file-size limit"))
    func initOnAFullDiskLeavesNothingHalfCreated() throws {
        let w = TemporaryDirectory("cli")
        for limit in [4, 40] {
            let dir = w.path + "/ledger-\(limit)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = ["-c", "ulimit -f \(limit); exec \"$0\" init \"$1\" --origin full.jejak.local/ledger --authority-key \"$2\"",
                           jejakBinary, dir, w.path + "/authority-\(limit).key"]
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 1, "\(e)")
            #expect(e.split(separator: "\n").last?.hasSuffix("[storage]") == true, "\(e)")
            #expect(!FileManager.default.fileExists(atPath: dir), "a half-created ledger was left at \(dir)")
            #expect(!FileManager.default.fileExists(atPath: w.path + "/authority-\(limit).key"), "a refused init left its generated authority key")
            let again = try jejak(["init", dir, "--origin", "full.jejak.local/ledger", "--authority-key", w.path + "/authority-\(limit).key"], in: w.path)
            #expect(again.status == 0, "\(again.stderr)")
            let audit = try jejak(["inspect", "--quiet"], ledger: dir, in: w.path)
            #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")
        }
    }

    @Test func initKilledAtAnyMomentLeavesALedgerOrOneTheNextInitStartsOver() throws {
        // SIGKILL at spread moments of `jejak init` (keys, store, genesis, the marker's
        // removal): afterwards the directory is either a whole ledger that audits clean, or
        // one that every command refuses as interrupted and a second `jejak init` replaces.
        let w = TemporaryDirectory("cli")
        for (trial, delay) in [0, 5, 10, 20, 30, 45, 60, 80, 110, 150, 200, 300].enumerated() {
            let dir = w.path + "/ledger-\(trial)"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: jejakBinary)
            p.arguments = ["init", dir, "--origin", "killed.jejak.local/ledger", "--authority-key", w.path + "/authority-\(trial).key"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(delay * 1000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let log = try jejak(["log"], ledger: dir, in: w.path)
            if log.status == 0 {
                let audit = try jejak(["inspect", "--quiet"], ledger: dir, in: w.path)
                #expect(audit.status == 0, "trial \(trial): \(audit.stdout)\(audit.stderr)")
                continue
            }
            let interrupted = log.stderr.contains("creation was interrupted")
            #expect(interrupted || log.stderr.contains("holds no ledger"), "trial \(trial): \(log.stderr)")
            let again = try jejak(["init", dir, "--origin", "killed.jejak.local/ledger", "--authority-key", w.path + "/authority-\(trial).key"], in: w.path)
            #expect(again.status == 0, "trial \(trial): \(again.stderr)")
            let audit = try jejak(["inspect", "--quiet"], ledger: dir, in: w.path)
            #expect(audit.status == 0, "trial \(trial): \(audit.stdout)\(audit.stderr)")
        }
    }

    @Test func aReadOnlyDirectoryRefusesWritersAndServesReaders() throws {
        let s = try Setup()
        try s.expectWritable("before")
        let store = s.ledger + "/store/data.mdb"
        let before = FileManager.default.contents(atPath: store)
        // As root, permissions don't bind: use a read-only bind mount in a private namespace.
        let script = """
            "$JEJAK" unit register biro-x --name X --role biro 2>&1 | tail -1; echo "register $?"
            "$JEJAK_BENCH" stress publish --keys keys --journal j-ro --run ro --tasks 1 --exchanges 1 2>&1 | tail -1
            "$JEJAK" inspect --json --quiet | grep -c '"findingCount" : 0'
            "$JEJAK" log --json | wc -l
            """
        let r: CommandResult
        if geteuid() == 0 {
            guard try s.shell("unshare -m true").status == 0 else { return }
            try ("""
                mount --bind "$JEJAK_LEDGER" "$JEJAK_LEDGER" && mount -o remount,bind,ro "$JEJAK_LEDGER" || exit 99

                """ + script).write(toFile: s.w.path + "/ro.sh", atomically: true, encoding: .utf8)
            r = try s.shell("unshare -m bash ro.sh")
            if r.status == 99 { return }
        } else {
            r = try s.shell("chmod -R a-w \"$JEJAK_LEDGER\"; \(script); chmod -R u+w \"$JEJAK_LEDGER\"")
        }
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(r.stdout)\(r.stderr)")
        guard lines.count == 5 else { return }
        #expect(lines[0].hasPrefix("Error: ") && lines[0].hasSuffix("[ledgerDirectory]"), "\(lines[0])")
        #expect(lines[0].contains("Read-only file system") || lines[0].contains("Permission denied"), "\(lines[0])")
        #expect(lines[2].hasPrefix("Error: ") && lines[2].hasSuffix("[ledgerDirectory]"), "\(lines[2])")
        #expect(lines[3] == "1", "the audit of a read-only ledger is clean: \(r.stdout)")
        #expect(Int(lines[4].trimmingCharacters(in: .whitespaces)) ?? 0 > 5, "the log is readable: \(r.stdout)")
        #expect(FileManager.default.contents(atPath: store) == before, "the store changed")
        try s.expectWritable("after")
    }

    @Test func aSecondWriterProcessIsRefusedWhileReadersAndAuditsRunBesideTheWriter() throws {
        let s = try Setup()
        let writer = try start(["stress", "publish", "--keys", s.keys, "--journal", s.w.path + "/j-live", "--run", "live",
                                "--tasks", "1"], ledger: s.ledger, in: s.w.path, binary: jejakBenchBinary)
        defer { if writer.process.isRunning { kill(writer.process.processIdentifier, SIGKILL) } }
        let started = ContinuousClock.now
        while (try? String(contentsOfFile: s.w.path + "/j-live", encoding: .utf8))?.contains("\nR ") != true,
              ContinuousClock.now - started < .seconds(30) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        // A second writer: refused in one sentence, whichever command it is.
        for args in [["unit", "register", "biro-x", "--name", "X", "--role", "biro"],
                     ["stress", "publish", "--keys", s.keys, "--journal", s.w.path + "/j-second", "--run", "second",
                      "--tasks", "1", "--exchanges", "1"]] {
            let r = try jejak(args, ledger: s.ledger, in: s.w.path, environment: ["JEJAK_WRITER_WAIT": "0"],
                              binary: args.first == "stress" ? jejakBenchBinary : jejakBinary)
            #expect(r.status == 1, "\(r.stderr)")
            #expect(errorLine(r) == "Error: another process has this ledger open for writing; stop it, or open the ledger read-only [ledgerBusy]",
                    "\(r.stderr)")
        }
        // Readers, a projection worker and an audit, all at once, while the writer appends.
        let readers = try [["log", "--json"], ["checkpoint"], ["inspect", "--json", "--quiet"],
                           ["project", "--db", s.w.path + "/rm.sqlite"], ["log", "--json"], ["prove", "inclusion", "3"]]
            .map { try start($0, ledger: s.ledger, in: s.w.path) }
        for (i, reader) in readers.enumerated() {
            let r = try reader.finish()
            #expect(r.status == 0, "reader \(i): \(r.stderr)")
        }
        kill(writer.process.processIdentifier, SIGKILL)
        _ = try writer.finish()
        try s.expectIntact()
        let audit = try jejak(["inspect", "--quiet", "--db", s.w.path + "/rm.sqlite"], ledger: s.ledger, in: s.w.path)
        #expect(audit.status == 0, "the read models built during the writes equal a fresh build: \(audit.stdout)\(audit.stderr)")
        try s.expectWritable("after")
    }

    @Test func privateKeysAreNeverPrintedAndKeyFilesAreOwnerOnly() throws {
        let s = try Setup()
        var outputs: [CommandResult] = []
        func run(_ args: [String]) throws {
            outputs.append(try jejak(args, ledger: s.ledger, in: s.w.path))
        }
        // A umask that would make files world-readable: key files are 0600 all the same.
        let r = try s.shell("umask 000; \"$JEJAK\" key generate biro-z --out z.key; \"$JEJAK\" key generate w --witness --out w.key")
        outputs.append(r)
        for file in ["z.key", "w.key", "ledger/log.key", "authority.key", "keys/biro-keuangan.key"] {
            let mode = (try FileManager.default.attributesOfItem(atPath: s.w.path + "/" + file)[.posixPermissions] as? Int) ?? 0
            #expect(mode == 0o600, "\(file) has mode \(String(mode, radix: 8))")
        }
        try run(["unit", "register", "biro-z", "--name", "Z", "--role", "biro"])
        try run(["unit", "add-key", "biro-z", "--vkey", r.stdout.split(separator: "\n").first.map(String.init) ?? ""])
        try run(["publish", "--key", "z.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/z-1",
                 "--data", request])
        outputs.append(try jejakBench(["stress", "publish", "--keys", s.keys, "--journal", s.w.path + "/j", "--run", "k", "--tasks", "2",
                                       "--exchanges", "2"], ledger: s.ledger, in: s.w.path))
        try run(["log", "--json"])
        try run(["checkpoint"])
        try run(["inspect", "--json", "--quiet"])
        try run(["unit", "list"])
        // Refusals that involve key files.
        #expect(chmod(s.w.path + "/z.key", 0o640) == 0)
        try run(["publish", "--key", "z.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/z-2",
                 "--data", request])
        #expect(outputs.last?.status == 1 && outputs.last?.stderr.contains("chmod 600") == true, "\(outputs.last?.stderr ?? "")")
        let damaged = (try? String(contentsOfFile: s.w.path + "/w.key", encoding: .utf8)).map { String($0.dropLast(6)) + "!!!!!\n" } ?? ""
        _ = FileManager.default.createFile(atPath: s.w.path + "/damaged.key", contents: Data(damaged.utf8), attributes: [.posixPermissions: 0o600])
        try run(["publish", "--key", "damaged.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/z-3",
                 "--data", request])
        #expect(outputs.last?.status == 1, "\(outputs.last?.stderr ?? "")")
        try run(["unit", "register", "biro-y", "--name", "Y", "--role", "biro", "--authority-key", "damaged.key"])
        #expect(outputs.last?.status == 1, "\(outputs.last?.stderr ?? "")")

        // No output holds the secret part of any private key.
        var secrets: [String] = []
        for file in ["z.key", "w.key", "damaged.key", "ledger/log.key", "authority.key", "keys/biro-keuangan.key",
                     "keys/biro-perencanaan.key"] {
            let text = (try? String(contentsOfFile: s.w.path + "/" + file, encoding: .utf8)) ?? ""
            let secret = SecretText.secret(ofPrivateKey: text)
            if !secret.isEmpty { secrets.append(secret) }
        }
        #expect(secrets.count == 7)
        for out in outputs {
            for secret in secrets {
                #expect(!SecretText.leaks(secret, in: out.stdout) && !SecretText.leaks(secret, in: out.stderr), "a private key was printed")
                #expect(!out.stdout.contains("PRIVATE+KEY") && !out.stderr.contains("PRIVATE+KEY"), "a private key was printed")
            }
        }
    }
}
