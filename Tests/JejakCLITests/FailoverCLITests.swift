import Foundation
import JejakTestSupport
import JejakTlog
import Testing

/// The failover procedure of docs/SCALING.md end to end: a backup taken while the primary was
/// written, the primary's tail from its export, the last witnessed checkpoint; `jejak promote`
/// refuses every way the pieces can disagree and leaves the standby as it was, then makes it the
/// primary's log byte for byte, which the same witness goes on cosigning.
@Suite(.serialized) struct FailoverCLITests {
    @Test func aStandbyFromABackupAndATailTakesOverWhereTheWitnessesLeftTheLog() throws {
        let w = TemporaryDirectory("failover")
        let primary = try ExportCLITests.ledgerWithAReceipt(w)
        var r = try jejak(["witness", "init", "--state", "witness", "--name", "inspektorat.kpu.go.id/witness", "--ledger", primary], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        var n = 200
        func publish(_ ledger: String) throws {
            n += 1
            let r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/2026-000\(n)",
                               "--data", request, "--expected-version", "none"], ledger: ledger, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
        }
        func size(_ ledger: String) throws -> Int {
            try jejak(["log"], ledger: ledger, in: w.path).stdout.split(separator: "\n").count
        }
        try publish(primary)
        r = try jejak(["witness", "cosign", "--state", "witness", "--ledger", primary], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        r = try jejak(["backup", "--ledger", primary, "standby"], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        let backedUp = try size(w.path + "/standby")
        // The primary goes on: two more entries, cosigned; one more after the witness; its export.
        try publish(primary)
        try publish(primary)
        r = try jejak(["witness", "cosign", "--state", "witness", "--ledger", primary, "--out", "witnessed.checkpoint"], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        try publish(primary)
        r = try jejak(["export", "--out", "mirror"], ledger: primary, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        let primarySize = try size(primary)
        #expect(primarySize == backedUp + 3)

        // Refusals, each naming its rule, each leaving the standby as it was.
        let standby = w.path + "/standby"
        func refused(_ arguments: [String], _ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let r = try jejak(["promote", standby] + arguments, in: w.path)
            #expect(r.status == 1 && r.stderr.contains("[\(code)]"), "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
            #expect(try size(standby) == backedUp, sourceLocation: sourceLocation)
        }
        try refused(["--tail", "mirror"], "witnessedMissing")
        try refused(["--witnessed", "witnessed.checkpoint"], "behindWitnesses")
        // The witnessed checkpoint without its cosignature does not meet the policy.
        let witnessed = try String(contentsOfFile: w.path + "/witnessed.checkpoint", encoding: .utf8)
        let bare = witnessed.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("— inspektorat.kpu.go.id/witness ") }.joined(separator: "\n")
        #expect(bare != witnessed)
        try bare.write(toFile: w.path + "/bare.checkpoint", atomically: true, encoding: .utf8)
        try refused(["--tail", "mirror", "--witnessed", "bare.checkpoint"], "witnessedInconsistent")
        // A tail from another log with the same origin (another key): not this log's.
        r = try jejak(["init", "impostor", "--origin", "cli.jejak.local/ledger"], in: w.path)
        r = try jejak(["export", "--out", "impostor-tiles"], ledger: w.path + "/impostor", in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        try refused(["--tail", "impostor-tiles", "--witnessed", "witnessed.checkpoint"], "tailInconsistent")
        // A tail whose last entry was changed after it was exported.
        r = try run("/bin/cp", ["-R", "mirror", "damaged"], in: w.path)
        let bundle = w.path + "/damaged/tile/entries/000.p/\(primarySize)"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: bundle)))
        bytes[bytes.count - 40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))
        try refused(["--tail", "damaged", "--witnessed", "witnessed.checkpoint"], "tailInconsistent")

        // The promotion: the standby's log is the primary's, byte for byte, with its root.
        r = try jejak(["promote", standby, "--tail", "mirror", "--witnessed", "witnessed.checkpoint"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("3 appended from the tail, \(primarySize) in all; consistent with the witnessed checkpoint of size \(backedUp + 2)"),
                "\(r.stdout)\(r.stderr)")
        #expect(try jejak(["log", "--json"], ledger: standby, in: w.path).stdout == jejak(["log", "--json"], ledger: primary, in: w.path).stdout)
        let mirrored = try TiledLog(directory: w.path + "/mirror").checkpoint().checkpoint
        r = try jejak(["checkpoint"], ledger: standby, in: w.path)
        #expect(r.stdout.hasPrefix(mirrored.text), "\(r.stdout)")
        // The witness goes on cosigning the promoted writer: one history with what it cosigned.
        try publish(standby)
        r = try jejak(["witness", "cosign", "--state", "witness", "--ledger", standby, "--json"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""size":\#(primarySize + 1)"#), "\(r.stdout)\(r.stderr)")
        r = try jejak(["inspect"], ledger: standby, in: w.path)
        #expect(r.status == 0 && r.stdout.contains("INTACT"), "\(r.stdout)\(r.stderr)")
        // Promoting again is harmless: nothing new in the tail, still consistent.
        r = try jejak(["promote", standby, "--tail", "mirror", "--witnessed", "witnessed.checkpoint", "--json"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""restored":0"#), "\(r.stdout)\(r.stderr)")
    }
}
