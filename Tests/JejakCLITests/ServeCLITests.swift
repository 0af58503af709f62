import Foundation
import JejakTestSupport
import Testing

/// `jejak serve` as a process on 127.0.0.1 (an ephemeral port), driven by curl, by the CLI's
/// `--server` commands and by the Python verifier; stopped with SIGTERM.
@Suite(.serialized) struct ServeCLITests {
    @Test func aServedLedgerIsPublishedToReadMirroredAndVerifiedOverHTTP() throws {
        let w = TemporaryDirectory("serve")
        let ledger = w.path + "/ledger"
        var r = try jejak(["init", ledger, "--origin", "serve.jejak.local/ledger"], in: w.path)
        try #require(r.status == 0, "\(r.stderr)")
        for unit in ["biro-keuangan", "biro-perencanaan"] {
            r = try jejak(["unit", "register", unit, "--name", unit, "--role", "biro"], ledger: ledger, in: w.path)
            try #require(r.status == 0, "\(r.stderr)")
        }
        r = try jejak(["key", "generate", "biro-keuangan", "--out", "bp.key"], in: w.path)
        r = try jejak(["unit", "add-key", "biro-keuangan", "--vkey", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)],
                      ledger: ledger, in: w.path)
        try #require(r.status == 0, "\(r.stderr)")

        let server = try start(["serve", "--listen", "127.0.0.1:0"], ledger: ledger, in: w.path)
        defer { if server.process.isRunning { server.process.terminate() } }
        let url = try Self.listeningURL(server)
        let remote = ["--server", url, "--server-policy", ledger + "/policy", "--pin", "kpu.pin"]

        // Publish through the server: the receipt is verified by the client before it is printed.
        r = try jejak(["publish", "--key", "bp.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/2026-000123",
                       "--data", request, "--expected-version", "none", "--receipt", "r.tlog-proof", "--event-out", "e.json"] + remote,
                      in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("c2sp.org/tlog-proof@v1\n"))
        // The same signed bytes again through curl: 200 and the same entry; a refusal: 409 and a problem document.
        let repeatStatus = try curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/vnd.dsse.envelope.v1+json",
                                     "--data-binary", "@e.json", url + "/v1/events"], in: w.path)
        #expect(repeatStatus == "200")
        let json = try curl(["-s", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Accept: application/json",
                             "--data-binary", "@e.json", url + "/v1/events?expected-version=exists", "-w", "\n%{http_code} %{content_type}"], in: w.path)
        #expect(json.contains("\"index\":4") && json.hasSuffix("200 application/json"), "\(json)")
        r = try jejak(["publish", "--key", "bp.key", "--type", "id.go.kpu.jejak.exchange.requested.v1", "--subject", "exchange/2026-000123",
                       "--data", request, "--expected-version", "none"] + remote, in: w.path)
        #expect(r.status == 1 && r.stderr.contains("streamVersionMismatch"), "\(r.stderr)")
        let wrongType = try curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: text/plain",
                                  "--data-binary", "@e.json", url + "/v1/events"], in: w.path)
        #expect(wrongType == "415")
        let checkpoint = try curl(["-s", "-D", "-", url + "/checkpoint"], in: w.path)
        #expect(checkpoint.contains("Cache-Control: no-cache") && checkpoint.contains("serve.jejak.local/ledger\n5\n"), "\(checkpoint)")

        // Reads through the client, each proven included.
        r = try jejak(["history", "exchange/2026-000123"] + remote, in: w.path)
        #expect(r.status == 0 && r.stdout.contains("verified"), "\(r.stdout)\(r.stderr)")
        r = try jejak(["show", "4", "--json"] + remote, in: w.path)
        #expect(r.status == 0 && r.stdout.contains("exchange/2026-000123"), "\(r.stderr)")
        r = try jejak(["checkpoint"] + remote, in: w.path)
        #expect(r.status == 0 && r.stdout.hasPrefix("serve.jejak.local/ledger\n5\n"))
        r = try jejak(["verify-receipt", "r.tlog-proof", "--event", "e.json", "--policy", ledger + "/policy", "--server", url], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("consistent with it"), "\(r.stderr)")

        // A mirror of the server's tiles verifies offline, and the Python verifier checks the live server.
        r = try jejak(["export", "--from", url, "--server-policy", ledger + "/policy", "--out", "mirror"], in: w.path)
        #expect(r.status == 0, "\(r.stderr)")
        r = try jejak(["verify", "mirror", "--policy", ledger + "/policy", "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(r.status == 0 && r.stdout.contains("INTACT"), "\(r.stdout)\(r.stderr)")
        let python = try run(IndependentVerifierTests.python, [IndependentVerifierTests.script, "--url", url, "--policy", ledger + "/policy",
                                              "--authority", ledger + "/authority.vkey"], in: w.path)
        #expect(python.status == 0 && python.stdout.hasSuffix("VERIFIED\n"), "\(python.stdout)")

        // SIGTERM: the server finishes, closes the ledger and exits 0.
        server.process.terminate()
        let ended = try server.finish()
        #expect(ended.status == 0, "\(ended.stderr)")
        #expect(ended.stderr.contains("stopped; the ledger holds 5 entries"), "\(ended.stderr)")
        r = try jejak(["log"], ledger: ledger, in: w.path)
        #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 5)
    }

    @Test func aServerCommandWithoutAPolicyIsRefused() throws {
        let w = TemporaryDirectory("serve")
        let r = try jejak(["checkpoint", "--server", "http://127.0.0.1:9"], in: w.path, environment: ["JEJAK_POLICY": ""])
        #expect(r.status == 64 && r.stderr.contains("--server-policy"), "\(r.stderr)")
    }

    /// The first line `jejak serve` prints: `listening on http://127.0.0.1:PORT`.
    static func listeningURL(_ server: RunningCommand) throws -> String {
        var seen = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = server.out.fileHandleForReading.availableData
            if chunk.isEmpty, !server.process.isRunning { break }
            seen += chunk
            let text = String(decoding: seen, as: UTF8.self)
            if let line = text.split(separator: "\n").first, text.contains("\n") {
                return String(line.dropFirst("listening on ".count))
            }
        }
        throw CLIFailureForTest("jejak serve did not say where it listens: \(String(decoding: seen, as: UTF8.self))")
    }
}

struct CLIFailureForTest: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `curl` with `arguments`; its standard output.
func curl(_ arguments: [String], in directory: String) throws -> String {
    try run("/usr/bin/curl", ["--max-time", "30"] + arguments, in: directory).stdout
}

/// Runs a program and waits for it.
func run(_ program: String, _ arguments: [String], in directory: String) throws -> CommandResult {
    let r = RunningCommand()
    r.process.executableURL = URL(fileURLWithPath: program)
    r.process.arguments = arguments
    r.process.currentDirectoryURL = URL(fileURLWithPath: directory)
    r.process.standardOutput = r.out
    r.process.standardError = r.err
    try r.process.run()
    return try r.finish()
}
