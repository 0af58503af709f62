import ArgumentParser
import Foundation
import JejakCrypto
import JejakVerification

/// This build's version, as `jejak --version` prints it and audit reports name it.
public let jejakVersion = "0.9.0"

/// The provenance of a report: `subject` audited against the policy file at `policyPath` and
/// the registry authority `authority`, by this tool.
///
/// - Throws: `CLIFailure` when the policy file cannot be read.
public func reportProvenance(subject: String, policyPath: String, authority: VerifierKey) throws -> AuditReport.Provenance {
    let bytes = try readBytes(policyPath)
    return AuditReport.Provenance(subject: subject, policySHA256: SHA256Digest.hash(bytes).hex, authorityKey: authority.hint,
                                  tool: "jejak \(jejakVersion)")
}

/// `--sign-report-with KEY --signed-report FILE`: the auditor signs the report (DSSE over its
/// JSON) so that it can be shown to others and checked with `jejak verify-report`.
public struct ReportSigningOptions: ParsableArguments {
    @Option(name: .customLong("sign-report-with"),
            help: ArgumentHelp("Sign the report with this key file (the auditor's, e.g. the Inspektorat's unit key).", valueName: "key"))
    public var key: String?
    @Option(help: ArgumentHelp("Write the signed report (a DSSE envelope of its JSON) to this file.", valueName: "file"))
    public var signedReport: String?

    /// No signing asked for (ArgumentParser fills the options).
    public init() {}

    /// Refuses one of the two options without the other.
    ///
    /// - Throws: `ValidationError` (exit code 64).
    public func validate() throws {
        guard (key == nil) == (signedReport == nil) else {
            throw ValidationError("--sign-report-with KEY and --signed-report FILE go together.")
        }
    }

    /// The signer's key, read before the audit so that a bad key file stops it early.
    ///
    /// - Throws: `CLIFailure` when the key file does not read.
    public func signer() throws -> SignerKey? {
        guard let key else { return nil }
        return try attempt { try KeyFile.read(from: key) }
    }

    /// Signs `report` with `signer` and writes it, when asked to.
    ///
    /// - Throws: `CLIFailure` when the file cannot be written.
    public func write(_ report: AuditReport, signer: SignerKey?) throws {
        guard let signer, let signedReport else { return }
        let envelope = try SignedAuditReport.sign(report, with: signer)
        try writeFile(String(decoding: envelope.jsonBytes(), as: UTF8.self), to: signedReport)
    }
}

/// `jejak verify-report`: checks an audit report's signature and shows what it says.
public struct VerifyReportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify-report",
        abstract: "Check that a signed audit report was signed by the auditor's key, and show it.",
        discussion: """
            FILE is what `jejak inspect` or `jejak verify` wrote with --signed-report: a DSSE \
            envelope of the report's JSON. With the auditor's public key (its vkey), this checks \
            the signature, then prints the report's summary: what was audited, against which \
            policy (SHA-256 of the policy file) and authority key, by which tool and when, and \
            its verdict. Exit codes: 0 the signature verifies (whatever the verdict); 1 it does \
            not, or FILE is not a signed report.

            Example:
              jejak verify-report audit.dsse.json --key inspektorat.vkey
            """)

    @Argument(help: ArgumentHelp("The signed report.", valueName: "file"))
    var file: String
    @Option(help: ArgumentHelp("The auditor's vkey, or a file holding it.", valueName: "vkey|file"))
    var key: String
    @Flag(help: "Print the report as JSON.")
    var json = false

    /// The command before its arguments are parsed.
    public init() {}

    /// Checks the signature and prints the report.
    ///
    /// - Throws: `CLIFailure` (exit code 1) when the key or the file is unusable, or no
    ///   signature verifies.
    public func run() throws {
        let vkey = try readVerifierKey(key, option: "--key")
        let report = try attempt { try SignedAuditReport.open(try readBytes(file), signedBy: vkey) }
        let signed = localized("Signed by \(vkey.hint): the report is as its auditor signed it.",
                               id: "Ditandatangani oleh \(vkey.hint): laporan ini sama dengan yang ditandatangani pemeriksanya.")
        try emit(report, json: json, summary: signed + "\n" + report.summary(in: CLILanguage.current), html: nil)
    }
}
