import Foundation
import Jejak
import JejakCrypto
import JejakTestSupport
import JejakTlog
import Testing

@Suite(.serialized) struct WitnessCLITests {
    static let name = "inspektorat.kpu.go.id/witness"

    @Test func initPublishCosignAndTheCheckpointCarriesTheCosignature() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        r = try jejak(["witness", "init", "--state", "witness", "--name", Self.name, "--ledger", ledger], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("PRIVATE"), "the private key is never printed")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let vkey = try VerifierKey(parsing: try #require(lines.first))
        #expect(vkey.name == Self.name && vkey.type == .cosignatureV1)
        #expect(lines.count > 1 && lines[1] == "witness \(Self.name) \(vkey)")
        let mode = try FileManager.default.attributesOfItem(atPath: w.path + "/witness/witness.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let policy = try TlogPolicy(parsing: try String(contentsOfFile: ledger + "/policy", encoding: .utf8))
        #expect(policy.witnesses.map(\.key) == [vkey] && policy.quorum == Self.name)
        r = try jejak(["witness", "init", "--state", "witness"], in: w.path)
        #expect(r.status == 1 && r.stderr.contains("alreadyInitialized"), "\(r.stderr)")

        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["witness", "cosign", "--state", "witness"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("at size 2, root "), "\(r.stdout)")

        r = try jejak(["unit", "register", "biro-perencanaan", "--name", "Biro Perencanaan", "--role", "biro"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["witness", "cosign", "--state", "witness", "--ledger", ledger, "--json"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(#""size":3"#) && r.stdout.contains(#""witness":"\#(vkey.hint)""#), "\(r.stdout)")

        // `jejak checkpoint` shows the cosignature line, and the checkpoint meets the policy.
        r = try jejak(["checkpoint"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\n— \(Self.name) "), "\(r.stdout)")
        let verified = try policy.verify(signedCheckpoint: r.stdout)
        #expect(verified.checkpoint.size == 3 && verified.cosigners == [Self.name])

        // A ledger with the same origin but another log key: refused in one sentence, exit 1.
        let impostor = w.path + "/impostor"
        r = try jejak(["init", impostor, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        let state = try String(contentsOfFile: try stateFile(w.path + "/witness"), encoding: .utf8)
        r = try jejak(["witness", "cosign", "--state", "witness"], ledger: impostor, in: w.path)
        #expect(r.status == 1)
        #expect(r.stderr.contains("[missingLogSignature]"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(try String(contentsOfFile: try stateFile(w.path + "/witness"), encoding: .utf8) == state)
        #expect(r.stdout.isEmpty)
    }

    @Test func cosignsWhileAnotherProcessHoldsTheWriterLock() async throws {
        let w = TemporaryDirectory("cli")
        let path = w.path + "/ledger"
        var r = try jejak(["init", path, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["witness", "init", "--state", "witness", "--ledger", path], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        // This test process is the writer: it holds DIR/writer.lock the whole time.
        let ledger = try Ledger(opening: path)
        defer { ledger.close() }
        let authority = RegistryAuthority(key: try KeyFile.read(from: w.path + "/authority.key"))
        r = try jejak(["unit", "register", "x", "--name", "X", "--role", "biro"], ledger: path, in: w.path,
                      environment: ["JEJAK_WRITER_WAIT": "0"])
        #expect(r.status == 1 && r.stderr.contains("ledgerBusy"), "the lock is held: \(r.stderr)")

        let policy = try ledger.policy()
        for n in 1...3 {
            _ = try await ledger.append(try authority.registerUnit("unit-\(n)", name: "Unit \(n)", role: .biro))
            r = try jejak(["witness", "cosign", "--state", "witness"], ledger: path, in: w.path)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("at size \(n + 1), "), "\(r.stdout)")
            // The writer sees the cosignature the other process stored, and keeps appending.
            let latest = try ledger.latestCheckpoint()
            #expect(try policy.verify(latest).checkpoint.size == UInt64(n + 1))
        }
        let receipt = try ledger.receipt(index: 3)
        _ = try receipt.verify(try ledger.entry(at: 3).signedEvent, policy: policy)
    }

    /// The witness's record of the last checkpoint it cosigned (its only log).
    private func stateFile(_ state: String) throws -> String {
        let logs = try FileManager.default.contentsOfDirectory(atPath: state + "/logs")
        return state + "/logs/" + (try #require(logs.first)) + "/checkpoint"
    }
}
