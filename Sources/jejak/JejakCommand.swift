import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakOfflineCommands
import JejakProjections

@main
struct JejakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jejak",
        abstract: localized("An append-only, signed, verifiable ledger of data exchanges between units.",
                            id: "Ledger pertukaran data antarunit yang hanya dapat ditambah (append-only), bertanda tangan, dan dapat diverifikasi."),
        discussion: localized("""
            Every command that works on a ledger takes --ledger DIR, or reads the directory from \
            the JEJAK_LEDGER environment variable. The commands that sign as the registry \
            authority (init, unit register, add-key, revoke-key) take its key with --authority-key \
            FILE or JEJAK_AUTHORITY_KEY: it is kept offline, never in the ledger directory. \
            Every command takes --lang id|en (Bahasa Indonesia or English; default from \
            JEJAK_LANG, LC_ALL or LANG).

            Exit codes: 0 success; 1 the ledger refused the request or could not do it (the \
            message says why); 64 the command line was wrong. `inspect` and `verify` also use 2 \
            (the audit could not run) and `inspect` 3 (no findings, but not witnessed as the \
            policy requires).
            """, id: """
            Setiap perintah yang bekerja pada ledger menerima --ledger DIR, atau membaca direktorinya \
            dari variabel lingkungan JEJAK_LEDGER. Perintah yang menandatangani sebagai otoritas \
            registri (init, unit register, add-key, revoke-key) menerima kuncinya melalui --authority-key \
            FILE atau JEJAK_AUTHORITY_KEY: kunci itu disimpan secara luring, tidak pernah di direktori \
            ledger. Setiap perintah menerima --lang id|en (Bahasa Indonesia atau bahasa Inggris; bawaan \
            dari JEJAK_LANG, LC_ALL atau LANG).

            Kode keluar: 0 berhasil; 1 ledger menolak permintaan atau tidak dapat melaksanakannya \
            (pesannya menyebutkan alasannya); 64 baris perintah salah. `inspect` dan `verify` juga \
            memakai 2 (audit tidak dapat dijalankan) dan `inspect` 3 (tidak ada temuan, tetapi belum \
            disaksikan sebagaimana diwajibkan kebijakan).
            """),
        version: jejakVersion,
        subcommands: [
            InitCommand.self, KeyCommand.self, UnitCommand.self, PublishCommand.self,
            LogCommand.self, ShowCommand.self, CheckpointCommand.self, ProveCommand.self,
            ProjectCommand.self, QueryCommand.self,
            ExportCommand.self, VerifyReceiptOnlineCommand.self, HistoryCommand.self,
            WitnessCommand.self, MirrorCommand.self, InspectCommand.self, VerifyCommand.self, ReplayCommand.self,
            OpenCommand.self, DiscloseCommand.self, VerifyDisclosureCommand.self,
            ReceiptCommand.self, VerifyReportCommand.self, TypesCommand.self, ServeCommand.self, BackupCommand.self, PromoteCommand.self, DemoCommand.self,
        ])

    /// Runs the command. A write past the file-size limit (`ulimit -f`) then fails with EFBIG,
    /// reported as a refused write, instead of SIGXFSZ killing the process mid-way.
    static func main() async {
        signal(SIGXFSZ, SIG_IGN)
        // Every SQLite connection here is GRDB's, used by one thread at a time.
        ReadModelDatabase.configureProcessForSerializedConnections()
        await runCommandLine(Self.self)
    }
}
