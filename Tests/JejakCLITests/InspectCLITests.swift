import Foundation
import JejakCrypto
import JejakTestSupport
import JejakTlog
import Testing

@Suite(.serialized) struct InspectCLITests {
    @Test func inspectReportsIntactWithExitZeroFindingsWithOneAndCannotRunWithTwo() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        for (id, name) in [("biro-keuangan", "Biro Keuangan"), ("biro-perencanaan", "Biro Perencanaan")] {
            r = try jejak(["unit", "register", id, "--name", name, "--role", "biro"], ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
        }
        r = try jejak(["project", "--db", "rm.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        r = try jejak(["inspect", "--db", "rm.sqlite", "--report", "audit.html", "--save-checkpoint", "audited.cp"],
                      ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Verdict: INTACT"))
        let html = try String(contentsOfFile: w.path + "/audit.html", encoding: .utf8)
        #expect(html.contains("Intact: no findings.") && html.contains("entry-signature"))
        let audited = try SignedCheckpoint(parsing: try String(contentsOfFile: w.path + "/audited.cp", encoding: .utf8))
        #expect(audited.checkpoint.size == 3)

        r = try jejak(["unit", "register", "biro-umum", "--name", "Biro Umum", "--role", "biro"], ledger: ledger, in: w.path)
        r = try jejak(["inspect", "--since", "audited.cp", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(json?["mode"] as? String == "incremental")
        #expect(json?["auditedFrom"] as? Int == 3 && json?["auditedTo"] as? Int == 4)

        // A checkpoint the log was once signed at, larger than the log: a rollback, exit 1.
        let logKey = try KeyFile.read(from: ledger + "/log.key")
        let future = try SignedCheckpoint.sign(Checkpoint(origin: "cli.jejak.local/ledger", size: 9, rootHash: Merkle.emptyRoot), with: logKey)
        try future.serialized.write(toFile: w.path + "/future.cp", atomically: true, encoding: .utf8)
        r = try jejak(["inspect", "--trusted", "future.cp"], ledger: ledger, in: w.path)
        #expect(r.status == 1)
        #expect(r.stdout.contains("NOT INTACT") && r.stdout.contains("[consistency]"))

        r = try jejak(["inspect", "--since", "missing.cp"], ledger: ledger, in: w.path)
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot read missing.cp"))
    }

    /// `jejak backup`: a copy that opens as a ledger and audits clean; a target that exists is
    /// refused with the rule named, and the ledger and the target are left as they were.
    @Test func backupCopiesAndAuditsTheCopy() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        try initLedger(ledger, units: ["biro-keuangan"], in: w.path)
        var r = try jejak(["backup", "copy"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("backed up 2 entries to copy") && r.stdout.contains("Verdict: INTACT"))
        r = try jejak(["checkpoint"], ledger: w.path + "/copy", in: w.path)
        let original = try jejak(["checkpoint"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout == original.stdout)

        r = try jejak(["backup", "copy"], ledger: ledger, in: w.path)
        #expect(r.status != 0)
        #expect(r.stderr.contains("already exists"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: w.path + "/copy.partial"))
    }

    /// Nothing new since the last audit, but its checkpoint was cosigned after it was saved:
    /// the report says the size is witnessed.
    @Test func anIncrementalAuditWithNothingNewSeesTheCosignatureMadeSince() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: w.path)
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["inspect", "--save-checkpoint", "audited.cp"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        r = try jejak(["witness", "init", "--state", "witness", "--ledger", ledger], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["inspect", "--since", "audited.cp"], ledger: ledger, in: w.path)
        #expect(r.status == 3 && r.stdout.contains("Witnessed up to: none"), "not cosigned yet: \(r.stdout)")
        r = try jejak(["witness", "cosign", "--state", "witness"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["inspect", "--since", "audited.cp"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains("Witnessed up to: size 2"), "\(r.stdout)\(r.stderr)")
    }

    /// A report names what it audited with what trust; signed, it can be checked by anyone
    /// with the auditor's vkey, and an altered one is refused.
    @Test func aSignedReportNamesWhatWasAuditedAndAnAlteredOneIsRefused() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "signed.jejak.local/ledger"], in: w.path)
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        r = try jejak(["key", "generate", "inspektorat", "--out", "insp.key"], in: w.path)
        let vkey = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try vkey.write(toFile: w.path + "/insp.vkey", atomically: true, encoding: .utf8)
        r = try jejak(["inspect", "--report", "audit.html", "--sign-report-with", "insp.key", "--signed-report", "audit.dsse.json"],
                      ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let policyHash = SHA256Digest.hash([UInt8](try Data(contentsOf: URL(fileURLWithPath: ledger + "/policy")))).hex
        #expect(r.stdout.contains("Audited \(ledger) at ") && r.stdout.contains("policy sha256:\(policyHash.prefix(16))")
                && r.stdout.contains("signed by inspektorat+"), "\(r.stdout)")
        let html = try String(contentsOfFile: w.path + "/audit.html", encoding: .utf8)
        #expect(html.contains(policyHash) && html.contains("signed.jejak.local/ledger/authority+") && html.contains("jejak 0."))

        r = try jejak(["verify-report", "audit.dsse.json", "--key", "insp.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("Signed by inspektorat+") && r.stdout.contains("Verdict: INTACT"), "\(r.stdout)\(r.stderr)")
        r = try jejak(["report", "audit.dsse.json", "--key", vkey], in: w.path, binary: jejakVerifyBinary)
        #expect(r.status == 0, "the offline verifier checks it too: \(r.stderr)")

        // Another key, or one byte of the report changed: refused.
        r = try jejak(["key", "generate", "someone-else", "--out", "other.key"], in: w.path)
        r = try jejak(["verify-report", "audit.dsse.json", "--key", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("reportSignature"), "\(r.stderr)")
        var envelope = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: w.path + "/audit.dsse.json"))) as? [String: Any])
        let payload = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
        let altered = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: "\"findingCount\":0", with: "\"findingCount\":7")
        #expect(altered != String(decoding: payload, as: UTF8.self))
        envelope["payload"] = Data(altered.utf8).base64EncodedString()
        try JSONSerialization.data(withJSONObject: envelope).write(to: URL(fileURLWithPath: w.path + "/altered.dsse.json"))
        r = try jejak(["verify-report", "altered.dsse.json", "--key", "insp.vkey"], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("no signature on the report verifies"), "\(r.stderr)")
        r = try jejak(["inspect", "--sign-report-with", "insp.key"], ledger: ledger, in: w.path)
        #expect(r.status == 64, "the key and the file go together")
    }

    /// Reports in Bahasa Indonesia: with --lang id, or from the environment.
    @Test func reportsInBahasaIndonesia() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "bahasa.jejak.local/ledger"], in: w.path)
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        r = try jejak(["inspect", "--lang", "id", "--report", "laporan.html"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains("Pemeriksaan lengkap atas bahasa.jejak.local/ledger")
                && r.stdout.contains("Putusan: UTUH — tidak ada temuan.") && !r.stdout.contains("Verdict"), "\(r.stdout)")
        let html = try String(contentsOfFile: w.path + "/laporan.html", encoding: .utf8)
        #expect(html.contains("<html lang=\"id\">") && html.contains("Pemeriksaan integritas") && html.contains("Utuh: tidak ada temuan.")
                && html.contains("Kebijakan (SHA-256)") && !html.contains("Integrity audit of"))
        for environment in [["JEJAK_LANG": "id"], ["JEJAK_LANG": "", "LANG": "id_ID.UTF-8"]] {
            r = try jejak(["inspect"], ledger: ledger, in: w.path, environment: environment)
            #expect(r.stdout.contains("Putusan: UTUH"), "\(environment): \(r.stdout)")
        }
        r = try jejak(["inspect", "--lang", "en"], ledger: ledger, in: w.path, environment: ["JEJAK_LANG": "id"])
        #expect(r.stdout.contains("Verdict: INTACT"), "--lang wins over the environment: \(r.stdout)")
        r = try jejak(["inspect", "--lang", "fr"], ledger: ledger, in: w.path)
        #expect(r.status == 64, "\(r.stderr)")
        // An unwitnessed verdict, in Indonesian.
        r = try jejak(["witness", "init", "--state", "witness", "--ledger", ledger], in: w.path)
        r = try jejak(["inspect", "--lang", "id"], ledger: ledger, in: w.path)
        #expect(r.status == 3 && r.stdout.contains("Putusan: BELUM DISAKSIKAN") && r.stdout.contains("jejak witness cosign"), "\(r.stdout)")
    }
}
