import ArgumentParser
import JejakOfflineCommands

/// `jejak-verify`: an auditor's offline verifier of Jejak exports and receipts. It links
/// neither LMDB nor SQLite (the test suite checks the binary), so it can be built and run
/// anywhere, trusting nothing of the ledger's machine.
@main
struct JejakVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jejak-verify",
        abstract: localized("Verify a Jejak export, a receipt, a disclosure or a signed audit report offline, with your own trust.",
                            id: "Memverifikasi ekspor Jejak, tanda terima, pengungkapan, atau laporan pemeriksaan bertanda tangan secara luring, dengan dasar kepercayaan Anda sendiri."),
        discussion: localized("""
            The same checks as `jejak verify` and `jejak verify-receipt`, in a binary that needs \
            no ledger, no LMDB and no SQLite.
            """, id: """
            Pemeriksaan yang sama dengan `jejak verify` dan `jejak verify-receipt`, dalam biner \
            yang tidak memerlukan ledger, LMDB, maupun SQLite.
            """) + "\n\n" + helpExamples("jejak-verify export export/ --policy kpu.policy --authority authority.vkey", "jejak-verify receipt req.tlog-proof --event req.dsse.json --policy kpu.policy", "jejak-verify disclosure 812.disclosure.json --policy kpu.policy", "jejak-verify report audit.dsse.json --key inspektorat.vkey") + "\n\n" + localized("""
            Exit codes: 0 verified; 1 not verified (findings, or a receipt or disclosure that \
            does not prove its event); 2 the check could not run (an export without a \
            checkpoint, an unusable policy); 64 the command line was wrong.
            """, id: """
            Kode keluar: 0 terverifikasi; 1 tidak terverifikasi (ada temuan, atau tanda terima \
            atau pengungkapan yang tidak membuktikan peristiwanya); 2 pemeriksaan tidak dapat \
            berjalan (ekspor tanpa checkpoint, kebijakan yang tidak dapat dipakai); 64 baris \
            perintah salah.
            """),
        version: jejakVersion,
        subcommands: [Export.self, Receipt.self, Disclosure.self, Report.self],
        defaultSubcommand: Export.self)

    /// Runs the command in the language `--lang` or the environment gives.
    static func main() async {
        await runCommandLine(Self.self)
    }

    /// `jejak-verify export`: `jejak verify` under another name.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: VerifyCommand.configuration.abstract,
            discussion: VerifyCommand.configuration.discussion)
        @OptionGroup var command: VerifyCommand
        func run() async throws { try await command.run() }
    }

    /// `jejak-verify receipt`: `jejak verify-receipt` under another name.
    struct Receipt: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receipt", abstract: VerifyReceiptCommand.configuration.abstract,
            discussion: VerifyReceiptCommand.configuration.discussion)
        @OptionGroup var command: VerifyReceiptCommand
        func run() throws { try command.run() }
    }

    /// `jejak-verify report`: `jejak verify-report` under another name.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report", abstract: VerifyReportCommand.configuration.abstract,
            discussion: VerifyReportCommand.configuration.discussion)
        @OptionGroup var command: VerifyReportCommand
        func run() throws { try command.run() }
    }

    /// `jejak-verify disclosure`: `jejak verify-disclosure` under another name.
    struct Disclosure: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disclosure", abstract: VerifyDisclosureCommand.configuration.abstract,
            discussion: VerifyDisclosureCommand.configuration.discussion)
        @OptionGroup var command: VerifyDisclosureCommand
        func run() throws { try command.run() }
    }
}
