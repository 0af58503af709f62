import Foundation
import JejakTestSupport
import Synchronization
import Testing

/// Crash safety in CI: `Tools/crash-test.sh` with a few trials (the full run uses 50), with the
/// `jejak` binary built for the tests. Each trial SIGKILLs a durable publisher with concurrent
/// appenders and projection workers at a random moment, then checks that every receipt is in the
/// log, no batch is partial, the audit finds nothing and the read models equal a fresh build.
@Suite(.serialized) struct CrashCLITests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tools/crash-test.sh").path

    @Test func killedPublishersAndProjectionWorkersLoseNothing() throws {
        let trials = ProcessInfo.processInfo.environment["JEJAK_CRASH_TRIALS"] ?? "3"
        let w = TemporaryDirectory("cli")
        let r = try bash([Self.script, "--trials", trials, "--tasks", "8", "--dir", w.path + "/crash"],
                         environment: ["JEJAK_BIN": jejakBinary], in: w.path)
        let text = r.stdout + r.stderr
        #expect(r.status == 0, "\(text)")
        #expect(text.contains("PASS"), "\(text)")
        #expect(text.contains("problems 0"), "\(text)")
    }
}

/// Runs `bash` with `arguments` in `directory`, with `environment` added to this process's
/// (and `JEJAK_LEDGER` removed unless given); waits for it to end.
func bash(_ arguments: [String], environment: [String: String], in directory: String) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = arguments
    p.currentDirectoryURL = URL(fileURLWithPath: directory)
    var env = ProcessInfo.processInfo.environment
    env["JEJAK_LEDGER"] = nil
    // As for `jejak(_:ledger:in:)`: the authority's key outside any ledger directory.
    env["JEJAK_AUTHORITY_KEY"] = env["JEJAK_AUTHORITY_KEY"] ?? directory + "/authority.key"
    env.merge(environment) { $1 }
    p.environment = env
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes at once, so that neither fills up while the other is drained.
    let stderrData = Mutex(Data())
    let stderrRead = DispatchSemaphore(value: 0)
    Thread {
        stderrData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() }
        stderrRead.signal()
    }.start()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    stderrRead.wait()
    p.waitUntilExit()
    return CommandResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: stderrData.withLock { $0 }, as: UTF8.self))
}
