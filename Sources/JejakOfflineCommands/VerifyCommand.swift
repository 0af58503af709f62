import ArgumentParser
import Foundation
import JejakCrypto
import JejakDomain
import JejakModel
import JejakTlog
import JejakVerification

public struct VerifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an export (C2SP tlog-tiles, from `jejak export`) offline, without the ledger.",
        discussion: """
            Checks the exported checkpoint against your trust policy (log signature, witness \
            cosignatures, quorum), then replays every exported entry from the entry bundles: \
            leaf hashes, the Merkle root and the exported hash tiles recomputed; every event \
            signature checked against the key the registry — replayed from genesis under the \
            authority key you pin with --authority — had active at that entry; every event \
            re-validated against its schema and the domain rules; ids unique; appended times in \
            order. Findings name the entry and the rule.

            Use your own copies of the policy and of the authority's vkey, obtained out of band: \
            an export's own files prove nothing about who may sign.

            Examples:
              jejak verify export/ --policy kpu.policy --authority "$(cat authority.vkey)"
              jejak verify export/ --policy kpu.policy --authority authority.vkey --json

            Exit codes: 0 verified; 1 findings; 2 could not verify (no checkpoint, unusable policy).
            """)

    @Argument(help: ArgumentHelp("The export's directory (holding `checkpoint` and `tile/`).", valueName: "dir"))
    var directory: String
    @Option(help: ArgumentHelp("The trust policy (c2sp.org/tlog-policy).", valueName: "file"))
    var policy: String
    @Option(help: ArgumentHelp("The registry authority's vkey, or a file holding it.", valueName: "vkey|file"))
    var authority: String
    @Option(help: ArgumentHelp("Write an HTML report to this file.", valueName: "file"))
    var report: String?
    @Flag(help: "Print the report as JSON.")
    var json = false
    @OptionGroup var signing: ReportSigningOptions

    public init() {}

    public func run() async throws {
        var result: AuditReport
        let signer = try signing.signer()
        do {
            let trust = try readPolicy(policy)
            let key = try readVerifierKey(authority, option: "--authority")
            var verifier = ExportVerifier(directory: directory, policy: trust, authority: key, validator: try domainValidator())
            let bar = ProgressBar(enabled: !json && isatty(2) == 1)
            verifier.progress = { done, total in bar.update(done, total) }
            defer { bar.finish() }
            do { result = try verifier.verify() } catch { throw CLIFailure(description: error.description) }
            result.provenance = try reportProvenance(subject: directory, policyPath: policy, authority: key)
            result.provenance?.signer = signer?.verifierKey.hint
        } catch {
            FileHandle.standardError.write(Data("Error: \(describe(error))\n".utf8))
            throw ExitCode(2)
        }
        try emit(result, json: json, summary: result.summary(in: CLILanguage.current), html: report)
        try signing.write(result, signer: signer)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
