import Foundation
import JejakTestSupport
import Testing

/// The README's tour (Tools/tour.sh) runs end to end with the binary under test.
@Suite struct TourCLITests {
    @Test func theTourRunsEndToEnd() throws {
        let w = TemporaryDirectory("cli")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [root.appendingPathComponent("Tools/tour.sh").path, w.path + "/tour"]
        var env = ProcessInfo.processInfo.environment
        env["JEJAK_BIN"] = jejakBinary
        env["JEJAK_LEDGER"] = nil
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.components(separatedBy: "Verdict: INTACT").count == 4, "the full and incremental audits and the export's verification are clean")
        #expect(text.contains("\nVERIFIED\n"), "the independent Python verifier agrees")
        #expect(text.contains("valid"), "the receipt verifies offline")
        #expect(text.contains("— inspektorat.tour/witness "), "the checkpoint carries the witness's cosignature")
        #expect(text.contains("cosigned by inspektorat.tour/witness"), "the fresh receipt verifies under the policy that requires the witness")
    }
}
