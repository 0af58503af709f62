import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakInspector
import JejakOfflineCommands
import JejakVerification

/// `jejak backup`: a consistent hot copy of a ledger, audited before it is reported done.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: localized("Copy the ledger while it is written (LMDB's compacting copy), then audit the copy.",
                            id: "Menyalin ledger selagi ditulisi (salinan LMDB yang dipadatkan), lalu memeriksa salinannya."),
        discussion: localized("""
            The copy is the log at one commit, with the ledger's keys and policy (the private log \
            key stays mode 0600, so a standby can be promoted from it). It is written to DIR.partial \
            and renamed to DIR when whole; DIR must not exist. The copy is then audited in full \
            (signatures, tree, checkpoints, domain rules): exit 0 when clean, 1 with findings.
            """, id: """
            Salinannya adalah log pada satu commit, beserta kunci dan kebijakan ledger (kunci log \
            privat tetap bermode 0600, agar standby dapat dinaikkan darinya). Salinan ditulis ke \
            DIR.partial lalu diganti namanya menjadi DIR setelah utuh; DIR tidak boleh sudah ada. \
            Salinan lalu diperiksa penuh (tanda tangan, pohon, checkpoint, aturan domain): keluar 0 \
            bila bersih, 1 bila ada temuan.
            """) + "\n\n" + helpExamples("jejak backup --ledger /var/lib/jejak /backups/jejak-2026-12-04"))

    @OptionGroup var ledgerOption: LedgerOption
    @Argument(help: localizedHelp("The new directory of the copy.", id: "Direktori baru untuk salinan.", valueName: "dir"))
    var target: String
    @Flag(help: localizedHelp("Print the audit's report as JSON.", id: "Cetak laporan pemeriksaan sebagai JSON."))
    var json = false

    func run() async throws {
        let ledger = try ledgerOption.open(readOnly: true)
        let copy = try attempt { try ledger.backup(to: target) }
        ledger.close()
        var copyOption = LedgerOption()
        copyOption.ledger = copy.path
        let restored = try copyOption.open(readOnly: true)
        defer { restored.close() }
        var options = Inspector.Options()
        options.validator = try domainValidator()
        let report: AuditReport
        do { report = try await Inspector(ledger: restored, options: options).audit() } catch {
            throw CLIFailure(description: localized("the copy in \(copy.path) could not be audited: \(describe(error))",
                                                    id: "salinan di \(copy.path) tidak dapat diperiksa: \(describe(error))"))
        }
        if !json {
            let size = try attempt { try restored.size() }
            print(localized("backed up \(size) \(size == 1 ? "entry" : "entries") to \(copy.path)", id: "\(size) entri dicadangkan ke \(copy.path)"))
        }
        try emit(report, json: json, summary: report.summary(in: CLILanguage.current), html: nil)
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
