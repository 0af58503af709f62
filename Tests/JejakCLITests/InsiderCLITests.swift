import Foundation
import Jejak
import JejakBase
import JejakCrypto
import JejakJSON
import JejakTestSupport
import JejakTlog
import Testing

/// What an insider could try with the real binary — a careless operator, a dishonest one, a
/// hostile unit — and what the ledger, the inspector and the witness answer.
@Suite(.serialized) struct InsiderCLITests {
    /// A ledger with two units, one of them with a key, and the key file.
    struct Setup {
        let w: TemporaryDirectory
        var ledger: String { w.path + "/ledger" }

        init() throws {
            w = TemporaryDirectory("cli")
            var r = try jejak(["init", w.path + "/ledger", "--origin", "insider.jejak.local/ledger"], in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
            for (id, name) in [("biro-keuangan", "Biro Keuangan"), ("biro-perencanaan", "Biro Perencanaan")] {
                r = try jejak(["unit", "register", id, "--name", name, "--role", "biro"], ledger: ledger, in: w.path)
                #expect(r.status == 0, "\(r.stderr)")
            }
            r = try jejak(["key", "generate", "biro-perencanaan", "--out", "bp.key"], in: w.path)
            r = try jejak(["unit", "add-key", "biro-perencanaan", "--vkey", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)],
                          ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
        }

        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
            try jejak(arguments, ledger: ledger, in: w.path, environment: environment)
        }

        func publish(_ subject: String, id: String) throws -> CommandResult {
            try run(["publish", "--key", "bp.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", subject,
                     "--id", id, "--data", #"{"provider":"biro-keuangan","category":"anggaran","title":"Rekap","purpose":"Laporan","legalBasis":"UU 7/2017","dueDate":"2026-12-31","classification":"terbuka"}"#,
                     "--receipt", id + ".tlog-proof", "--event-out", id + ".dsse.json"])
        }
    }

    @Test func aKeyFileGivenWhereAPublicFileBelongsIsNeverQuoted() throws {
        let s = try Setup()
        var secrets: [String] = []
        for key in ["bp.key", "ledger/log.key", "authority.key"] {
            secrets.append(SecretText.secret(ofPrivateKey: try String(contentsOfFile: s.w.path + "/" + key, encoding: .utf8)))
        }
        #expect(secrets.allSatisfy { $0.utf8.count == 44 })
        // A 16-character name leaves 42 of the 44 secret characters under an 80-byte quote: the leak found.
        _ = try jejak(["key", "generate", "biro-perencanaan", "--out", "long.key"], in: s.w.path)
        secrets.append(SecretText.secret(ofPrivateKey: try String(contentsOfFile: s.w.path + "/long.key", encoding: .utf8)))
        #expect(try s.publish("exchange/1", id: "req-1").status == 0)

        var outputs: [CommandResult] = []
        for key in ["bp.key", "ledger/log.key", "authority.key", "long.key"] {
            outputs.append(try s.run(["inspect", "--policy", key, "--quiet"]))
            outputs.append(try s.run(["inspect", "--trusted", key, "--quiet"]))
            outputs.append(try s.run(["inspect", "--since", key, "--quiet"]))
            outputs.append(try s.run(["verify-receipt", "req-1.tlog-proof", "--event", "req-1.dsse.json", "--policy", key]))
            outputs.append(try s.run(["verify-receipt", key, "--event", "req-1.dsse.json", "--policy", "ledger/policy"]))
            outputs.append(try s.run(["verify", "export", "--policy", key, "--authority", "ledger/authority.vkey"]))
            outputs.append(try s.run(["verify", "export", "--policy", "ledger/policy", "--authority", key]))
            outputs.append(try s.run(["unit", "add-key", "biro-keuangan", "--vkey", "@" + key]))
            outputs.append(try jejakBench(["stress", "check", key], ledger: s.ledger, in: s.w.path))
        }
        // The same with an export to verify, by jejak and by the Python verifier.
        let exported = try s.run(["export", "--out", s.w.path + "/export"])
        #expect(exported.status == 0, "\(exported.stderr)")
        let python = IndependentVerifierTests()
        for key in ["bp.key", "long.key", "authority.key"] {
            outputs.append(try s.run(["verify", "export", "--policy", key, "--authority", "ledger/authority.vkey"]))
            outputs.append(try s.run(["verify", "export", "--policy", "ledger/policy", "--authority", key]))
            if let r = try python.verify("export", policy: key, authority: "ledger/authority.vkey", in: s.w.path) { outputs.append(r) }
            if let r = try python.verify("export", policy: "ledger/policy", authority: key, in: s.w.path) { outputs.append(r) }
        }
        for out in outputs {
            #expect(out.status != 0, "a key file was accepted: \(out.stdout)\(out.stderr)")
            for secret in secrets {
                #expect(!SecretText.leaks(secret, in: out.stdout + out.stderr), "a private key was printed: \(out.stdout)\(out.stderr)")
            }
        }
        // The policy parser says what the file is.
        let policy = try s.run(["inspect", "--policy", "long.key", "--quiet"])
        #expect(policy.stderr.contains("holds a private key"), "\(policy.stderr)")
    }

    @Test func anIncrementalAuditOfARolledBackStoreIsAFindingInEveryFormat() throws {
        let s = try Setup()
        #expect(try s.publish("exchange/1", id: "req-1").status == 0)
        // A copy of the store as it was, then more history and an audit that saves its checkpoint.
        try FileManager.default.copyItem(atPath: s.ledger + "/store", toPath: s.w.path + "/store-old")
        for i in 2...4 { #expect(try s.publish("exchange/\(i)", id: "req-\(i)").status == 0) }
        var r = try s.run(["inspect", "--quiet", "--save-checkpoint", "audited.cp"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // The operator restores the older copy.
        try FileManager.default.removeItem(atPath: s.ledger + "/store")
        try FileManager.default.copyItem(atPath: s.w.path + "/store-old", toPath: s.ledger + "/store")

        r = try s.run(["inspect", "--since", "audited.cp", "--quiet", "--report", "rollback.html"])
        #expect(r.status == 1, "exit \(r.status): \(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("NOT INTACT") && r.stdout.contains("[consistency]") && r.stdout.contains("rolled back"), "\(r.stdout)")
        let html = try String(contentsOfFile: s.w.path + "/rollback.html", encoding: .utf8)
        #expect(html.contains("consistency") && html.contains("not intact"))
        r = try s.run(["inspect", "--since", "audited.cp", "--json"])
        #expect(r.status == 1, "exit \(r.status): \(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["verdict"] as? String == "findings")
        let findings = json?["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["rule"] as? String == "consistency" }, "\(findings)")
        #expect((json?["auditedFrom"] as? Int) == (json?["auditedTo"] as? Int), "a rolled-back log audits no entries")
    }

    @Test func aRewrittenHistoryIsNeverTheCleanVerdictWhenThePolicyRequiresAWitness() async throws {
        let s = try Setup()
        var r = try s.run(["witness", "init", "--state", "witness", "--ledger", s.ledger])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try s.publish("exchange/1", id: "req-1").status == 0)
        #expect(try s.publish("exchange/2", id: "req-2").status == 0)
        // Not cosigned yet: not the clean verdict, exit 3.
        r = try s.run(["inspect", "--quiet"])
        #expect(r.status == 3 && r.stdout.contains("NOT WITNESSED"), "exit \(r.status): \(r.stdout)\(r.stderr)")
        r = try s.run(["witness", "cosign", "--state", "witness"])
        #expect(r.status == 0, "\(r.stderr)")
        r = try s.run(["inspect", "--quiet"])
        #expect(r.status == 0 && r.stdout.contains("Verdict: INTACT"), "exit \(r.status): \(r.stdout)")

        // The operator, with the log key, drops an entry and rebuilds the store: every checkpoint
        // re-signed, none cosigned any more (the rebuilt ledger re-publishes what it kept).
        let size = try ledgerSize(s)
        #expect(size == 6)
        try await rebuildWithout(s, droppingEventID: "req-1")
        r = try s.run(["inspect", "--quiet", "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(r.status == 3, "the default audit of a rewritten history is not clean: exit \(r.status) \(r.stdout)")
        #expect(json?["verdict"] as? String == "unwitnessed")
        #expect(json?["witnessRequired"] as? Bool == true)
        // With the witness's own record, the rewrite is a finding.
        r = try s.run(["inspect", "--quiet", "--witness", "witness"])
        #expect(r.status == 1 && r.stdout.contains("[consistency]"), "exit \(r.status): \(r.stdout)\(r.stderr)")
        // And the witness refuses to cosign the rewritten history.
        r = try s.run(["witness", "cosign", "--state", "witness"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
    }

    @Test func aWitnessWhoseStateWasDeletedRefusesARewrittenHistory() async throws {
        let s = try Setup()
        var r = try s.run(["witness", "init", "--state", "witness", "--ledger", s.ledger])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try s.publish("exchange/1", id: "req-1").status == 0)
        r = try s.run(["witness", "cosign", "--state", "witness"])
        #expect(r.status == 0, "\(r.stderr)")
        // The witness's records are deleted, and the history rewritten with the log key.
        let logs = s.w.path + "/witness/logs"
        for dir in try FileManager.default.contentsOfDirectory(atPath: logs) {
            try FileManager.default.removeItem(atPath: logs + "/" + dir + "/checkpoint")
        }
        try await rebuildWithout(s, droppingEventID: "req-1")
        r = try s.run(["witness", "cosign", "--state", "witness"])
        #expect(r.status == 1 && r.stderr.contains("stateMissing"), "\(r.stdout)\(r.stderr)")
        // Even a whole logs/ directory gone, and the key trusted again, is no first use.
        try FileManager.default.removeItem(atPath: logs)
        r = try s.run(["witness", "cosign", "--state", "witness"])
        #expect(r.status == 1 && r.stderr.contains("stateMissing"), "\(r.stdout)\(r.stderr)")
        r = try s.run(["witness", "trust", "--state", "witness", "--ledger", s.ledger])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        r = try s.run(["witness", "cosign", "--state", "witness"])
        #expect(r.status == 1 && r.stderr.contains("stateMissing"), "\(r.stdout)\(r.stderr)")
    }

    @Test func theAuthorityKeyIsMadeOutsideTheLedgerAndAskedForEachTime() throws {
        let w = TemporaryDirectory("cli")
        // Inside the ledger directory: refused, nothing made.
        var r = try jejak(["init", "ledger", "--origin", "a.jejak.local/ledger", "--authority-key", "ledger/authority.key"], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("inside the ledger directory"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.path + "/ledger/store"))
        r = try jejak(["init", "ledger", "--origin", "a.jejak.local/ledger", "--authority-key", "ledger/../ledger/x.key"], in: w.path)
        #expect(r.status == 1, "\(r.stderr)")
        // No key said at all: refused with the way to say it.
        r = try jejak(["init", "ledger", "--origin", "a.jejak.local/ledger"], in: w.path, environment: ["JEJAK_AUTHORITY_KEY": ""])
        #expect(r.status == 1 && r.stderr.contains("--authority-key"), "\(r.stderr)")
        r = try jejak(["init", "ledger", "--origin", "a.jejak.local/ledger", "--authority-key", "offline.key"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: w.path + "/ledger")
        #expect(!files.contains("authority.key"), "\(files)")
        #expect(FileManager.default.fileExists(atPath: w.path + "/offline.key"))
        // Registry commands need it each time.
        r = try jejak(["unit", "register", "biro-a", "--name", "A", "--role", "biro"], ledger: w.path + "/ledger", in: w.path,
                      environment: ["JEJAK_AUTHORITY_KEY": ""])
        #expect(r.status == 1 && r.stderr.contains("--authority-key"), "\(r.stderr)")
        r = try jejak(["unit", "register", "biro-a", "--name", "A", "--role", "biro", "--authority-key", "offline.key"],
                      ledger: w.path + "/ledger", in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        // The same raw key for a second unit is refused by the registry.
        r = try jejak(["unit", "register", "biro-b", "--name", "B", "--role", "biro", "--authority-key", "offline.key"],
                      ledger: w.path + "/ledger", in: w.path)
        let key = try SignerKey.generate(name: "biro-a")
        r = try jejak(["unit", "add-key", "biro-a", "--vkey", key.verifierKey.description, "--authority-key", "offline.key"],
                      ledger: w.path + "/ledger", in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let twin = try VerifierKey(name: "biro-b", type: .ed25519, publicKey: key.verifierKey.publicKey)
        r = try jejak(["unit", "add-key", "biro-b", "--vkey", twin.description, "--authority-key", "offline.key"],
                      ledger: w.path + "/ledger", in: w.path)
        #expect(r.status == 1 && r.stderr.contains("same public key") && r.stderr.contains("registryRule"), "\(r.stderr)")
        // A key left where older ledgers kept it is warned about by every command that opens the ledger.
        r = try jejak(["checkpoint"], ledger: w.path + "/ledger", in: w.path)
        #expect(r.status == 0 && !r.stderr.contains("Warning"), "\(r.stderr)")
        try FileManager.default.copyItem(atPath: w.path + "/offline.key", toPath: w.path + "/ledger/authority.key")
        r = try jejak(["checkpoint"], ledger: w.path + "/ledger", in: w.path)
        #expect(r.status == 0 && r.stderr.contains("Warning") && r.stderr.contains("authority.key"), "\(r.stderr)")
    }

    @Test func verifyReceiptChecksTheBytesGiven() throws {
        let s = try Setup()
        #expect(try s.publish("exchange/1", id: "req-1").status == 0)
        var r = try s.run(["verify-receipt", "req-1.tlog-proof", "--event", "req-1.dsse.json", "--policy", "ledger/policy"])
        #expect(r.status == 0 && r.stdout.hasPrefix("valid"), "\(r.stdout)\(r.stderr)")
        let original = try String(contentsOfFile: s.w.path + "/req-1.dsse.json", encoding: .utf8)
        // A member the log never held, and the same envelope re-formatted: neither is what the receipt proves.
        let commented = String(original.dropLast()) + #","comment":"paid"}"#
        let spaced = original.replacingOccurrences(of: #"","payload":""#, with: #"", "payload": ""#)
        for (name, text) in [("commented.json", commented), ("spaced.json", spaced), ("newline.json", original + "\n")] {
            try text.write(toFile: s.w.path + "/" + name, atomically: true, encoding: .utf8)
            r = try s.run(["verify-receipt", "req-1.tlog-proof", "--event", name, "--policy", "ledger/policy"])
            #expect(r.status == 1 && !r.stdout.hasPrefix("valid"), "\(name): \(r.stdout)\(r.stderr)")
        }
        // The ledger refuses the envelope with the extra member rather than store it without.
        r = try s.run(["publish", "--event", "commented.json"])
        #expect(r.status == 1 && r.stderr.contains("DSSE does not define"), "\(r.stderr)")
    }

    @Test func aSecondWriterWaitsItsTurnForTheWriterLock() throws {
        let s = try Setup()
        // This test process is the writer for a while.
        var holder: Ledger? = try Ledger(opening: s.ledger)
        let waiting = try start(["unit", "register", "biro-c", "--name", "C", "--role", "biro"], ledger: s.ledger, in: s.w.path,
                                environment: ["JEJAK_WRITER_WAIT": "60"])
        Thread.sleep(forTimeInterval: 1)
        #expect(waiting.process.isRunning, "the second writer did not wait for its turn")
        holder?.close()
        holder = nil
        let r = try waiting.finish()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Appended"), "\(r.stdout)")

        // A wait that runs out is refused, saying how long it waited.
        let again = try Ledger(opening: s.ledger)
        defer { again.close() }
        let started = ContinuousClock.now
        let refused = try s.run(["unit", "register", "biro-d", "--name", "D", "--role", "biro"], environment: ["JEJAK_WRITER_WAIT": "0.5"])
        #expect(ContinuousClock.now - started >= .milliseconds(500))
        #expect(refused.status == 1 && refused.stderr.contains("ledgerBusy") && refused.stderr.contains("waits"), "\(refused.stderr)")
    }

    // MARK: Helpers

    func ledgerSize(_ s: Setup) throws -> Int {
        let r = try s.run(["checkpoint"])
        return Int(r.stdout.split(separator: "\n").dropFirst().first ?? "") ?? -1
    }

    /// Rebuilds the ledger without the event `id`, as an operator holding the log key (and no
    /// other key) could: a new store under the same log key and authority, the genesis made
    /// anew and every other signed event appended again (new checkpoints, none cosigned).
    func rebuildWithout(_ s: Setup, droppingEventID id: String) async throws {
        let rebuilt = s.w.path + "/rebuilt-" + UUID().uuidString
        var options = Ledger.Options()
        options.readOnly = true
        let original = try Ledger(opening: s.ledger, options: options)
        let entries = try original.entries(from: 1)
        original.close()
        // The authority's signatures on the registry events are kept as they are; only the
        // genesis is signed anew, with the authority key this test has (an operator could keep
        // the old genesis bytes instead).
        let copy = try await Ledger.create(at: rebuilt, origin: "insider.jejak.local/ledger",
                                           logKey: try KeyFile.read(from: s.ledger + "/log.key"),
                                           authorityKey: try KeyFile.read(from: s.w.path + "/authority.key"))
        for e in entries where !e.event.id.sameBytes(as: id) { _ = try await copy.append(e.signedEvent) }
        copy.close()
        try FileManager.default.removeItem(atPath: s.ledger + "/store")
        try FileManager.default.copyItem(atPath: rebuilt + "/store", toPath: s.ledger + "/store")
    }
}
