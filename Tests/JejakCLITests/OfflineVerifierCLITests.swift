import Foundation
import JejakTestSupport
import Testing

/// `jejak-verify`, the auditor's offline verifier, is built from the model, crypto, tlog,
/// verification and domain layers alone: it links neither LMDB nor SQLite, and it verifies
/// what `jejak` exports.
@Suite(.serialized) struct OfflineVerifierCLITests {
    @Test func theOfflineVerifierLinksNeitherLMDBNorSQLite() throws {
        let ldd = try bash(["-c", "ldd \"$0\"", jejakVerifyBinary], environment: [:], in: NSTemporaryDirectory())
        #expect(ldd.status == 0, "\(ldd.stderr)")
        #expect(ldd.stdout.contains("libsodium"), "the verifier checks Ed25519 with libsodium: \(ldd.stdout)")
        for library in ["liblmdb", "libsqlite3"] {
            #expect(!ldd.stdout.contains(library), "jejak-verify links \(library):\n\(ldd.stdout)")
        }
        // The same check as a control: the ledger's own tool does link both.
        let tool = try bash(["-c", "ldd \"$0\"", jejakBinary], environment: [:], in: NSTemporaryDirectory())
        #expect(tool.stdout.contains("liblmdb") && tool.stdout.contains("libsqlite3"), "\(tool.stdout)")
    }

    @Test func itVerifiesAnExportAndAReceiptAndFindsATamperedOne() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "offline.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        for id in ["biro-keuangan", "biro-perencanaan"] {
            r = try jejak(["unit", "register", id, "--name", id, "--role", "biro"], ledger: ledger, in: w.path)
        }
        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        r = try jejak(["unit", "add-key", "biro-keuangan", "--vkey", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)],
                      ledger: ledger, in: w.path)
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/1",
                       "--data", request, "--receipt", "r.tlog-proof", "--event-out", "e.json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["export", "--out", w.path + "/export"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        let verify = { (args: [String]) throws -> CommandResult in
            try jejak(args, in: w.path, binary: jejakVerifyBinary)
        }
        r = try verify(["export", "export", "--policy", "ledger/policy", "--authority", "ledger/authority.vkey"])
        #expect(r.status == 0 && r.stdout.contains("INTACT"), "\(r.stdout)\(r.stderr)")
        r = try verify(["receipt", "r.tlog-proof", "--event", "e.json", "--policy", "ledger/policy"])
        #expect(r.status == 0 && r.stdout.hasPrefix("valid"), "\(r.stdout)\(r.stderr)")

        // Another authority key pinned: every registry event, and so every signer, is refused.
        r = try jejak(["key", "generate", "other/authority", "--out", "other.key"], in: w.path)
        try r.stdout.write(toFile: w.path + "/other.vkey", atomically: true, encoding: .utf8)
        r = try verify(["export", "export", "--policy", "ledger/policy", "--authority", "other.vkey"])
        #expect(r.status == 1 && r.stdout.contains("NOT INTACT"), "\(r.stdout)\(r.stderr)")
    }
}
