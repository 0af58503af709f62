import Foundation
import JejakTestSupport
import Testing

/// Every command explains itself with an example, and failures read as one plain sentence.
@Suite struct HelpCLITests {
    static let commands: [[String]] = [
        ["init"], ["key", "generate"], ["unit", "register"], ["unit", "add-key"], ["unit", "revoke-key"], ["unit", "list"],
        ["publish"], ["log"], ["show"], ["checkpoint"], ["prove", "inclusion"], ["prove", "consistency"],
        ["project"], ["query", "exchanges"], ["query", "timeline"], ["query", "units"], ["query", "activity"],
        ["query", "audits"], ["export"], ["verify-receipt"], ["history"], ["witness", "init"], ["witness", "trust"], ["witness", "cosign"], ["witness", "restore"],
        ["inspect"], ["verify"], ["replay"], ["serve"], ["demo"],
        ["key", "identity"], ["unit", "add-recipient"], ["unit", "revoke-recipient"], ["open"], ["disclose"], ["verify-disclosure"], ["types"], ["receipt"], ["verify-report"], ["backup"], ["promote"], ["mirror", "init"], ["mirror", "serve"],
    ]

    @Test(arguments: commands)
    func everyCommandsHelpHasAnExample(_ command: [String]) throws {
        let w = TemporaryDirectory("cli")
        let r = try jejak(command + ["--help"], in: w.path)
        #expect(r.status == 0)
        #expect(r.stdout.contains("Example"), "jejak \(command.joined(separator: " ")) --help shows no example")
    }

    @Test func theTopLevelHelpListsEveryCommandTestedHere() throws {
        let w = TemporaryDirectory("cli")
        let r = try jejak(["--help"], in: w.path)
        // The subcommand lines: two spaces, the name, then its abstract.
        let section = r.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let listed = Set(section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let word = line.split(separator: " ").first else { return nil }
            return String(word)
        }).subtracting(["help", "See"])
        #expect(listed == Set(Self.commands.map { $0[0] }), "every command has a help test, and only those")
        #expect(r.stdout.contains("Exit codes"))
    }

    @Test func failuresAreOnePlainSentenceWithTheirExitCode() throws {
        let w = TemporaryDirectory("cli")
        var r = try jejak(["log"], ledger: w.path + "/nowhere", in: w.path)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains("jejak init"), "it says what to do")
        r = try jejak(["publish", "--key", "missing.key", "--type", "x", "--subject", "s", "--data", "{}"], ledger: w.path + "/nowhere", in: w.path)
        #expect(r.status == 1 && r.stderr.hasPrefix("Error: ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        r = try jejak(["inspect", "--frobnicate"], in: w.path)
        #expect(r.status == 64)
        r = try jejak(["verify", w.path + "/no-export", "--policy", "p", "--authority", "a"], in: w.path)
        #expect(r.status == 2 && r.stderr.hasPrefix("Error: "), "\(r.stderr)")
    }
}
