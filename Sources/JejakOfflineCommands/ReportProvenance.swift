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
            help: localizedHelp("Sign the report with this key file (the auditor's, e.g. the Inspektorat's unit key).",
                                id: "Tandatangani laporan dengan berkas kunci ini (milik pemeriksa, mis. kunci unit Inspektorat).", valueName: "key"))
    public var key: String?
    @Option(help: localizedHelp("Write the signed report (a DSSE envelope of its JSON) to this file.",
                                id: "Tulis laporan bertanda tangan (amplop DSSE atas JSON-nya) ke berkas ini.", valueName: "file"))
    public var signedReport: String?

    /// No signing asked for (ArgumentParser fills the options).
    public init() {}

    /// Refuses one of the two options without the other.
    ///
    /// - Throws: `ValidationError` (exit code 64).
    public func validate() throws {
        guard (key == nil) == (signedReport == nil) else {
            throw ValidationError(localized("--sign-report-with KEY and --signed-report FILE go together.",
                                            id: "--sign-report-with KEY dan --signed-report FILE harus diberikan bersama."))
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
        abstract: localized("Check that a signed audit report was signed by the auditor's key, and show it.",
                            id: "Memeriksa bahwa laporan pemeriksaan bertanda tangan ditandatangani dengan kunci pemeriksa, lalu menampilkan laporannya."),
        discussion: localized("""
            FILE is what `jejak inspect` or `jejak verify` wrote with --signed-report: a DSSE \
            envelope of the report's JSON. With the auditor's public key (its vkey), this checks \
            the signature, then prints the report's summary: what was audited, against which \
            policy (SHA-256 of the policy file) and authority key, by which tool and when, and \
            its verdict. Exit codes: 0 the signature verifies (whatever the verdict); 1 it does \
            not, or FILE is not a signed report.
            """, id: """
            FILE adalah yang ditulis `jejak inspect` atau `jejak verify` dengan --signed-report: \
            amplop DSSE atas JSON laporan. Dengan kunci publik pemeriksa (vkey-nya), perintah ini \
            memeriksa tanda tangan, lalu mencetak ringkasan laporan: apa yang diperiksa, terhadap \
            kebijakan mana (SHA-256 berkas kebijakan) dan kunci otoritas mana, dengan alat apa dan \
            kapan, serta putusannya. Kode keluar: 0 tanda tangan terverifikasi (apa pun \
            putusannya); 1 tanda tangan tidak terverifikasi, atau FILE bukan laporan bertanda tangan.
            """) + "\n\n" + helpExamples("jejak verify-report audit.dsse.json --key inspektorat.vkey"))

    @Argument(help: localizedHelp("The signed report.", id: "Laporan bertanda tangan.", valueName: "file"))
    var file: String
    @Option(help: localizedHelp("The auditor's vkey, or a file holding it.", id: "vkey pemeriksa, atau berkas yang memuatnya.", valueName: "vkey|file"))
    var key: String
    @Flag(help: localizedHelp("Print the report as JSON.", id: "Cetak laporan sebagai JSON."))
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
