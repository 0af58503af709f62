import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands
import JejakProjections
import JejakTlog
import JejakVerification
import Logging
import ServiceLifecycle
import Synchronization

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: localized("Build or update the read models (SQLite) from the log; --follow keeps them up to date.",
                            id: "Membangun atau memperbarui read model (SQLite) dari log; --follow menjaganya tetap mutakhir."),
        discussion: localized("""
            Applies every entry not yet applied to the built-in read models (exchanges and their \
            timelines, units and keys, activity per unit per month, audits) in the SQLite file, \
            in batches, each batch in one transaction with the projections' checkpoints. A \
            projection whose version changed is rebuilt from the first entry. With --follow, it \
            then applies each new commit as it lands, until SIGINT or SIGTERM. The ledger is \
            opened read-only, so this may run beside the writing process.
            """, id: """
            Menerapkan setiap entri yang belum diterapkan ke read model bawaan (pertukaran beserta \
            lini masanya, unit dan kunci, aktivitas per unit per bulan, audit) dalam berkas \
            SQLite, per batch, setiap batch dalam satu transaksi bersama checkpoint proyeksi. \
            Proyeksi yang versinya berubah dibangun ulang dari entri pertama. Dengan --follow, \
            setiap commit baru kemudian diterapkan begitu masuk, hingga SIGINT atau SIGTERM. \
            Ledger dibuka hanya-baca, sehingga perintah ini dapat berjalan berdampingan dengan \
            proses yang menulis.
            """) + "\n\n" + helpExamples("jejak project --db read-models.sqlite", "jejak project --db read-models.sqlite --follow", "jejak project --db exchanges.sqlite --only exchanges", "jejak project --db inspektorat.sqlite --identity inspektorat.age", "jejak project --db regional.sqlite --export regional --policy kpu.policy --authority authority.vkey") + "\n\n" + localized("""
            Sealed content (of `terbatas` and `rahasia` exchanges) fills the content columns \
            only for a unit it is sealed to, with --identity; otherwise they are NULL, `sealed` \
            is 1 and `sealed_to` names who can read them. A file holds one reader's view: \
            project each unit's into a file of its own, kept as its identity is kept.

            With --export, the read models are built from an export or a mirror's copy (a \
            region's, while the centre is unreachable), up to the checkpoint the offline \
            verifier accepts in it first (`jejak verify`): an export with findings is refused \
            and nothing is projected.

            Progress (each projection's position and lag, the entries it is behind the log) goes \
            to standard error at most once a second; the final positions go to standard output.
            """, id: """
            Konten tersegel (dari pertukaran `terbatas` dan `rahasia`) mengisi kolom konten hanya \
            bagi unit tujuan segelnya, dengan --identity; selain itu kolom tersebut NULL, `sealed` \
            bernilai 1 dan `sealed_to` menyebut siapa yang dapat membacanya. Satu berkas memuat \
            pandangan satu pembaca: proyeksikan milik setiap unit ke berkasnya sendiri, yang \
            dijaga sebagaimana identitasnya dijaga.

            Dengan --export, read model dibangun dari ekspor atau salinan cermin (milik wilayah, \
            selama pusat tidak dapat dijangkau), sampai checkpoint yang lebih dulu diterima \
            pemverifikasi luring di dalamnya (`jejak verify`): ekspor yang memiliki temuan ditolak \
            dan tidak ada yang diproyeksikan.

            Kemajuan (posisi dan lag setiap proyeksi, yaitu jumlah entri yang tertinggal dari log) \
            ditulis ke standard error paling sering sekali per detik; posisi akhir ditulis ke \
            standard output.
            """))

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: localizedHelp("The read models' SQLite file (created if missing).", id: "Berkas SQLite read model (dibuat bila belum ada).", valueName: "file"))
    var db: String
    @Flag(help: localizedHelp("After catching up, keep applying new commits until SIGINT or SIGTERM.",
                          id: "Setelah menyusul, terus terapkan commit baru hingga SIGINT atau SIGTERM."))
    var follow = false
    @Option(help: localizedHelp("The most entries per transaction.", id: "Jumlah entri paling banyak per transaksi.", valueName: "n"))
    var batchSize = 4096
    @Option(name: .customLong("only"), parsing: .singleValue, help: localizedHelp(
        "Build only this read model (repeatable): exchanges, units, activity or audits. The others in the file are left as they are.",
        id: "Bangun hanya read model ini (dapat diulang): exchanges, units, activity atau audits. Read model lain dalam berkas dibiarkan apa adanya.",
        valueName: "name"))
    var only: [String] = []
    @OptionGroup var identity: IdentityOption
    @Option(help: localizedHelp("Project from this export or mirror copy (a tlog-tiles directory) instead of a ledger, once it verifies.",
                                id: "Proyeksikan dari ekspor atau salinan cermin ini (direktori tlog-tiles) alih-alih dari ledger, setelah terverifikasi.",
                                valueName: "dir"))
    var export: String?
    @Option(help: localizedHelp("With --export: the trust policy the export is verified with.",
                                id: "Dengan --export: kebijakan kepercayaan untuk memverifikasi ekspor.", valueName: "file"))
    var policy: String?
    @Option(help: localizedHelp("With --export: the registry authority's vkey, or a file holding it.",
                                id: "Dengan --export: vkey otoritas registri, atau berkas yang memuatnya.", valueName: "vkey|file"))
    var authority: String?

    func validate() throws {
        if export != nil {
            guard policy != nil, authority != nil else {
                throw ValidationError(localized("--export needs --policy and --authority, to verify the export first.",
                                                id: "--export memerlukan --policy dan --authority, untuk memverifikasi ekspor lebih dulu."))
            }
            guard !follow, identity.identity == nil else {
                throw ValidationError(localized("--export takes neither --follow nor --identity: project again after the copy grows; open sealed content from a ledger.",
                                                id: "--export tidak menerima --follow maupun --identity: proyeksikan lagi setelah salinan bertambah; buka konten tersegel dari ledger."))
            }
        }
        guard batchSize > 0 else { throw ValidationError(localized("--batch-size must be positive.", id: "--batch-size harus bilangan positif.")) }
        let names = ReadModels.builtIn().map(\.name)
        for name in only where !names.contains(name) {
            let choices = names.joined(separator: ", ")
            throw ValidationError(localized("There is no read model \"\(name)\"; choose from \(choices).",
                                            id: "Tidak ada read model \"\(name)\"; pilih dari \(choices)."))
        }
    }

    /// The log projected from: the ledger, or the export once the offline verifier accepts it
    /// (up to the checkpoint it verified).
    private func source() throws -> (any LogSource, Ledger?) {
        guard let export, let policy, let authority else {
            let ledger = try ledgerOption.open(readOnly: true)
            return (ledger, ledger)
        }
        let verifier = ExportVerifier(directory: export, policy: try readPolicy(policy),
                                      authority: try readVerifierKey(authority, option: "--authority"), validator: try domainValidator())
        let report: AuditReport
        do { report = try verifier.verify() } catch { throw CLIFailure(description: error.description) }
        guard report.exitCode == 0, let text = report.checkpoint,
              let checkpoint = try? SignedCheckpoint(parsing: text) else {
            throw CLIFailure(description: localized(
                "the export \(export) does not verify (\(report.findingCount) findings): nothing was projected; `jejak verify \(export)` says why",
                id: "ekspor \(export) tidak terverifikasi (\(report.findingCount) temuan): tidak ada yang diproyeksikan; `jejak verify \(export)` menjelaskan sebabnya"))
        }
        note(localized("The export \(export) verifies up to \(checkpoint.checkpoint.size) entries.",
                       id: "Ekspor \(export) terverifikasi sampai \(checkpoint.checkpoint.size) entri."))
        return (ExportSource(directory: export, origin: checkpoint.checkpoint.origin, size: checkpoint.checkpoint.size), nil)
    }

    func run() async throws {
        let (source, ledger) = try source()
        let database = try attempt { try ReadModelDatabase.openForWriting(path: db) }
        var options = ProjectionRunner.Options()
        options.batchSize = batchSize
        // At most one progress line a second: the position and lag of each projection.
        let lastReport = Mutex(ContinuousClock.now)
        options.progress = { statuses in
            let due = lastReport.withLock { last in
                guard ContinuousClock.now - last >= .seconds(1) else { return false }
                last = ContinuousClock.now
                return true
            }
            if due {
                note(statuses.map { localized("\($0.name) at \($0.position), lag \($0.lag)", id: "\($0.name) pada \($0.position), lag \($0.lag)") }
                    .joined(separator: "; "))
            }
        }
        let reader = try ledger.flatMap { ledger in try identity.reader(registry: try attempt { try ledger.registry() }) }
        let runner = try attempt {
            try ProjectionRunner(source: source, database: database,
                                 projections: ReadModels.builtIn(reader: reader).filter { only.isEmpty || only.contains($0.name) },
                                 options: options)
        }
        if let reader { note(localized("Opening the content sealed to \(reader.unit).", id: "Membuka konten yang tersegel untuk \(reader.unit).")) }
        for s in try attempt({ try runner.status() }) {
            note(localized("\(s.name) v\(s.version): at \(s.position), \(s.lag) behind", id: "\(s.name) v\(s.version): pada \(s.position), tertinggal \(s.lag)"))
        }
        let start = ContinuousClock.now
        if follow {
            var logger = Logger(label: "jejak.project")
            logger.logLevel = .notice
            let group = ServiceGroup(configuration: .init(
                services: [runner], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await attempt { try await group.run() }
        } else {
            _ = try await attempt { try await runner.catchUp() }
        }
        let elapsed = ContinuousClock.now - start
        for s in try attempt({ try runner.status() }) {
            print(localized("\(s.name) v\(s.version): applied through \(s.position), lag \(s.lag)",
                            id: "\(s.name) v\(s.version): diterapkan sampai \(s.position), lag \(s.lag)"))
        }
        let took = elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated))
        note(localized("took \(took)", id: "selesai dalam \(took)"))
    }
}

/// Writes a line to standard error (progress and timings, kept out of the output proper).

