import Foundation
import Jejak
import JejakCrypto
import JejakTestSupport
import JejakTlog
import Testing

/// The `jejak` binary built next to this test bundle.
let jejakBinary = builtBinary("jejak")
/// The `jejak-bench` binary (benchmarks and the stress harness).
let jejakBenchBinary = builtBinary("jejak-bench")
/// The `jejak-verify` binary (the offline verifier).
let jejakVerifyBinary = builtBinary("jejak-verify")

/// The executable `name` built next to this test bundle.
func builtBinary(_ name: String) -> String {
    var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                      Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL]
    candidates += candidates.map { $0.deletingLastPathComponent() }
    for dir in candidates {
        let path = dir.appendingPathComponent(name).path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue { return path }
    }
    return name
}

struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `jejak` with `arguments`; waits for it to end.
@discardableResult
func jejak(_ arguments: [String], ledger: String? = nil, in directory: String,
           environment: [String: String] = [:], binary: String = jejakBinary) throws -> CommandResult {
    let p = try start(arguments, ledger: ledger, in: directory, environment: environment, binary: binary)
    return try p.finish()
}

/// A new ledger `ledger` in `directory` (origin `cli.jejak.local/ledger`) with the bureaus
/// `units` registered, each named after its id.
func initLedger(_ ledger: String, units: [String], in directory: String,
                sourceLocation: SourceLocation = #_sourceLocation) throws {
    var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: directory)
    #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
    for id in units {
        r = try jejak(["unit", "register", id, "--name", id, "--role", "biro"], ledger: ledger, in: directory)
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
    }
}

/// Runs `jejak-bench` with `arguments`; waits for it to end.
@discardableResult
func jejakBench(_ arguments: [String], ledger: String? = nil, in directory: String,
                environment: [String: String] = [:]) throws -> CommandResult {
    try jejak(arguments, ledger: ledger, in: directory, environment: environment, binary: jejakBenchBinary)
}

final class RunningCommand {
    let process = Process()
    let out = Pipe(), err = Pipe()
    func finish() throws -> CommandResult {
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                             stderr: String(decoding: e, as: UTF8.self))
    }
}

func start(_ arguments: [String], ledger: String?, in directory: String,
           environment: [String: String] = [:], binary: String = jejakBinary) throws -> RunningCommand {
    let r = RunningCommand()
    r.process.executableURL = URL(fileURLWithPath: binary)
    r.process.arguments = arguments
    r.process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["JEJAK_LEDGER"] = ledger
    // The registry authority's key, outside the ledger directory (`init` generates it there).
    env["JEJAK_AUTHORITY_KEY"] = env["JEJAK_AUTHORITY_KEY"] ?? directory + "/authority.key"
    // Reports in English unless a test asks otherwise, whatever the machine's LANG.
    env["JEJAK_LANG"] = "en"
    env.merge(environment) { $1 }
    r.process.environment = env
    r.process.standardOutput = r.out
    r.process.standardError = r.err
    try r.process.run()
    return r
}

let request = #"{"provider":"biro-perencanaan","category":"anggaran","title":"Rekap","purpose":"Laporan","legalBasis":"UU 7/2017","dueDate":"2026-12-31","classification":"terbuka"}"#

@Suite(.serialized) struct CLITests {
    @Test func theWholeFlowFromInitToAVerifiedReceipt() throws {
        let w = TemporaryDirectory("cli")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "cli.jejak.local/ledger"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["unit", "register", "biro-keuangan", "--name", "Biro Keuangan", "--role", "biro"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["unit", "register", "biro-perencanaan", "--name", "Biro Perencanaan", "--role", "biro"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        #expect(r.status == 0)
        let vkey = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try VerifierKey(parsing: vkey).name == "biro-keuangan")
        let mode = try FileManager.default.attributesOfItem(atPath: w.path + "/bk.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!r.stdout.contains("PRIVATE"), "the private key is never printed")
        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bk.key"], in: w.path)
        #expect(r.status == 1, "an existing key file is not overwritten")

        r = try jejak(["unit", "add-key", "biro-keuangan", "--vkey", vkey], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")

        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000123", "--data", request, "--id", "req-1",
                       "--expected-version", "none", "--receipt", "r.tlog-proof", "--event-out", "e.json"],
                      ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("c2sp.org/tlog-proof@v1\n"))

        // The receipt verifies offline from the files alone.
        let event = try SignedEvent(json: [UInt8](try Data(contentsOf: URL(fileURLWithPath: w.path + "/e.json"))))
        let receipt = try Receipt(parsing: try String(contentsOfFile: w.path + "/r.tlog-proof", encoding: .utf8), for: event)
        let policy = try TlogPolicy(parsing: try String(contentsOfFile: ledger + "/policy", encoding: .utf8))
        try receipt.verify(event, policy: policy)
        #expect(receipt.index == 4)

        // Sending the same signed event again is an idempotent retry: the same entry.
        r = try jejak(["publish", "--event", "e.json"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try TlogProof(parsing: r.stdout).index == 4)
        r = try jejak(["publish", "--event", "e.json", "--key", "bk.key"], ledger: ledger, in: w.path)
        #expect(r.status == 64, "--event takes a signed event as it is")

        // Refusals: one sentence naming the rule, exit code 1, nothing written.
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000123", "--data", request, "--expected-version", "none"], ledger: ledger, in: w.path)
        #expect(r.status == 1)
        #expect(r.stderr.contains("streamVersionMismatch") && r.stderr.contains("version 1"))
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        r = try jejak(["publish", "--key", "bk.key", "--type", "t", "--subject", "s", "--data", "{nope"], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("invalid JSON"))
        // The domain's schemas: the field and the keyword are named.
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000124", "--data", request.replacingOccurrences(of: "2026-12-31", with: "2026-02-30")],
                      ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("/data/dueDate") && r.stderr.contains("format"), "\(r.stderr)")

        r = try jejak(["log", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0)
        #expect(r.stdout.split(separator: "\n").count == 5)
        r = try jejak(["log", "--stream", "exchange/2026-000123"], ledger: ledger, in: w.path)
        #expect(r.stdout.hasPrefix("v1  4  "))
        r = try jejak(["show", "--id", "req-1", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""index":4"#))
        r = try jejak(["show", "99"], ledger: ledger, in: w.path)
        #expect(r.status == 1)
        r = try jejak(["checkpoint"], ledger: ledger, in: w.path)
        #expect(try SignedCheckpoint(parsing: r.stdout).checkpoint.size == 5)
        r = try jejak(["prove", "inclusion", "4", "--size", "5", "--json"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.contains(#""proof":["#))
        r = try jejak(["prove", "consistency", "2", "4"], ledger: ledger, in: w.path)
        #expect(r.status == 0)
        r = try jejak(["prove", "consistency", "5", "4"], ledger: ledger, in: w.path)
        #expect(r.status == 1)
        r = try jejak(["unit", "list", "--json"], ledger: ledger, in: w.path)
        #expect(r.stdout.contains(vkey))

        r = try jejak(["unit", "revoke-key", "biro-keuangan", "--vkey", vkey, "--reason", "rotated"], ledger: ledger, in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["publish", "--key", "bk.key", "--type", "id.go.kpu.jejak.exchange.requested.v1",
                       "--subject", "exchange/2026-000125", "--data", request], ledger: ledger, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("keyNotActive"), "\(r.stderr)")

        r = try jejak(["log"], in: w.path)
        #expect(r.status == 64, "no ledger given is a usage error")
    }

    @Test func anotherProcessReadingSeesEachNewCommit() async throws {
        let w = TemporaryDirectory("cli")
        let path = w.path + "/ledger"
        let authorityKey = try SignerKey.generate(name: "cli.jejak.local/authority")
        var options = Ledger.Options()
        options.durable = false
        let ledger = try await Ledger.create(at: path, origin: "cli.jejak.local/ledger", authorityKey: authorityKey, options: options)
        let authority = RegistryAuthority(key: authorityKey)
        let key = try SignerKey.generate(name: "biro-a")
        _ = try await ledger.append([try authority.registerUnit("biro-a", name: "A", role: .biro), try authority.addKey(key.verifierKey)])

        // A second process follows the log (read-only) while this one writes.
        let follower = try start(["log", "--follow", "--from", "0", "--limit", "8", "--json"], ledger: path, in: w.path)
        // The writer still holds the ledger: a second writer process is refused.
        let busy = try jejak(["unit", "register", "biro-b", "--name", "B", "--role", "biro",
                              "--authority-key", "/nonexistent"], ledger: path, in: w.path, environment: ["JEJAK_WRITER_WAIT": "0"])
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("ledgerBusy"), "\(busy.stderr)")

        let publisher = UnitPublisher(key: key, ledger: ledger)
        for i in 0..<5 {
            try await Task.sleep(for: .milliseconds(30))
            _ = try await publisher.publish(type: "id.go.kpu.jejak.test.noted.v1", subject: "s", data: ["i": .number(.init(Int64(i)))], id: "live-\(i)")
        }
        let result = try follower.finish()
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines.last?.contains("live-4") == true)
        ledger.close()
    }
}
