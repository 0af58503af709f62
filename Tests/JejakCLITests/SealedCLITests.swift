import Foundation
import Jejak
import JejakTestSupport
import JejakTlog
import Testing

/// The repository's root (for Tools/).
private let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

@Suite(.serialized) struct SealedCLITests {
    @Test func aRahasiaRequestIsSealedOpenedDisclosedAndVerifiedFromTheCommandLine() throws {
        let w = TemporaryDirectory("cli-sealed")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "sealed.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        for (id, role) in [("biro-keuangan", "biro"), ("biro-hukum", "biro"), ("biro-umum", "biro"), ("inspektorat", "inspektorat")] {
            r = try jejak(["unit", "register", id, "--name", id, "--role", role], ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
            r = try jejak(["key", "identity", "--out", "\(id).age"], in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
            let recipient = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(recipient.hasPrefix("age1") && !r.stdout.contains("AGE-SECRET-KEY"))
            let mode = try FileManager.default.attributesOfItem(atPath: w.path + "/\(id).age")[.posixPermissions] as? Int
            #expect(mode == 0o600)
            r = try jejak(["unit", "add-recipient", id, "--recipient", recipient], ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
        }
        r = try jejak(["unit", "list", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.split(separator: "\n").allSatisfy { $0.contains("\"recipients\":[{\"recipient\":\"age1") }, "\(r.stdout)")
        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        r = try jejak(["unit", "add-key", "biro-keuangan", "--vkey", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        let secret = "Daftar pemilih yang dicoret"
        let data = #"{"provider":"biro-hukum","category":"data-pemilih","title":"\#(secret)","purpose":"Verifikasi","legalBasis":"UU 7/2017","dueDate":"2026-12-31","classification":"rahasia"}"#
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000900", "--data", data, "--event-out", "e.json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let index = try TlogProof(parsing: r.stdout).index
        let envelope = try String(contentsOfFile: w.path + "/e.json", encoding: .utf8)
        #expect(!envelope.contains(secret))

        // Anyone sees the public part; a recipient opens the content.
        r = try jejak(["open", String(index), "--identity", "biro-hukum.age"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(secret) && r.stderr.contains("sealed to biro-keuangan, biro-hukum, inspektorat"))
        r = try jejak(["open", String(index), "--identity", "biro-umum.age"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("[notARecipient]"), "\(r.stderr)")
        #expect(!r.stdout.contains(secret))

        // The standard age tool opens the sealed member with the identity file.
        let event = try SignedEvent(json: Array(envelope.utf8))
        guard case .string(let age)? = event.event.data["sealed"]?["age"], let ageFile = Data(base64Encoded: age) else {
            Issue.record("no sealed age member")
            return
        }
        try ageFile.write(to: URL(fileURLWithPath: w.path + "/content.age"))
        r = try jejak(["-d", "-i", "inspektorat.age", "content.age"], in: w.path, binary: "/usr/bin/age")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(secret) && r.stdout.contains("\"key\""))

        // A disclosure, checked offline by jejak, jejak-verify and Python's standard library.
        r = try jejak(["disclose", String(index), "--identity", "inspektorat.age", "--out", "d.json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["verify-disclosure", "d.json", "--policy", ledger + "/policy"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains(secret), "\(r.stderr)")
        r = try jejak(["disclosure", "d.json", "--policy", ledger + "/policy"], in: w.path, binary: jejakVerifyBinary)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak([repository + "/Tools/verify-disclosure.py", "d.json", "--origin", "sealed.jejak.local/ledger"], in: w.path,
                      binary: "/usr/bin/python3")
        #expect(r.status == 0 && r.stdout.hasPrefix("valid:"), "\(r.stdout)\(r.stderr)")

        // A disclosure whose content was changed is refused by all three.
        let disclosure = try String(contentsOfFile: w.path + "/d.json", encoding: .utf8)
        try disclosure.replacingOccurrences(of: secret, with: "Daftar pemilih tetap").write(toFile: w.path + "/forged.json", atomically: true, encoding: .utf8)
        r = try jejak(["verify-disclosure", "forged.json", "--policy", ledger + "/policy"], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("[commitmentMismatch]"), "\(r.stderr)")
        r = try jejak([repository + "/Tools/verify-disclosure.py", "forged.json"], in: w.path, binary: "/usr/bin/python3")
        #expect(r.status == 1 && r.stdout.contains("commitment"), "\(r.stdout)")

        // The public read models say who can read; the Inspektorat's hold the content.
        r = try jejak(["project", "--db", "publik.sqlite"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["query", "exchanges", "--db", "publik.sqlite"], in: w.path)
        #expect(r.status == 0 && !r.stdout.contains(secret) && r.stdout.contains("[sealed to biro-keuangan, biro-hukum, inspektorat]"), "\(r.stdout)")
        #expect(r.stderr.contains("1 of these 1 exchanges hold content sealed to other units"), "\(r.stderr)")
        r = try jejak(["project", "--db", "publik.sqlite", "--identity", "inspektorat.age"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("[readerMismatch]"), "\(r.stderr)")
        r = try jejak(["project", "--db", "inspektorat.sqlite", "--identity", "inspektorat.age"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["query", "exchanges", "--db", "inspektorat.sqlite", "--format", "json"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains(secret))

        // The Inspektorat's audit opens it and finds it whole.
        r = try jejak(["inspect", "--identity", "inspektorat.age", "--quiet"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Sealed content: 1 sealed events opened as inspektorat"), "\(r.stdout)")

        // Clear content of a rahasia exchange is refused when it can't be sealed: a unit with no recipient.
        r = try jejak(["unit", "register", "biro-sdm", "--name", "Biro SDM", "--role", "biro"], ledger: ledger, in: w.path)
        let toSDM = data.replacingOccurrences(of: "biro-hukum", with: "biro-sdm")
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000901", "--data", toSDM], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("jejak unit add-recipient biro-sdm") && r.stderr.contains("[noRecipient]"), "\(r.stderr)")
    }

    @Test func anIdentityFromAgeKeygenOpensWhatJejakSealed() throws {
        let w = TemporaryDirectory("cli-age")
        var r = try jejak(["-o", "k.age"], in: w.path, binary: "/usr/bin/age-keygen")
        #expect(r.status == 0, "\(r.stderr)")
        let recipient = try #require(r.stderr.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        // age-keygen writes its file 0600 as well; Jejak reads it, and refuses a world-readable one.
        let ledger = w.path + "/ledger"
        r = try jejak(["init", ledger, "--origin", "age.jejak.local/ledger"], in: w.path)
        r = try jejak(["unit", "register", "biro-a", "--name", "A", "--role", "biro"], ledger: ledger, in: w.path)
        r = try jejak(["unit", "add-recipient", "biro-a", "--recipient", recipient], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["unit", "add-recipient", "biro-a", "--recipient", "age1notarecipient"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("malformedKey"), "\(r.stderr)")
        _ = chmod(w.path + "/k.age", 0o644)
        r = try jejak(["project", "--db", "a.sqlite", "--identity", "k.age"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("insecureKeyFile"), "\(r.stderr)")
    }
}
