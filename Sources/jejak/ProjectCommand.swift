import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands
import JejakProjections
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
            """) + "\n\n" + helpExamples("jejak project --db read-models.sqlite", "jejak project --db read-models.sqlite --follow", "jejak project --db exchanges.sqlite --only exchanges", "jejak project --db inspektorat.sqlite --identity inspektorat.age") + "\n\n" + localized("""
            Sealed content (of `terbatas` and `rahasia` exchanges) fills the content columns \
            only for a unit it is sealed to, with --identity; otherwise they are NULL, `sealed` \
            is 1 and `sealed_to` names who can read them. A file holds one reader's view: \
            project each unit's into a file of its own, kept as its identity is kept.

            Progress (each projection's position and lag, the entries it is behind the log) goes \
            to standard error at most once a second; the final positions go to standard output.
            """, id: """
            Konten tersegel (dari pertukaran `terbatas` dan `rahasia`) mengisi kolom konten hanya \
            bagi unit tujuan segelnya, dengan --identity; selain itu kolom tersebut NULL, `sealed` \
            bernilai 1 dan `sealed_to` menyebut siapa yang dapat membacanya. Satu berkas memuat \
            pandangan satu pembaca: proyeksikan milik setiap unit ke berkasnya sendiri, yang \
            dijaga sebagaimana identitasnya dijaga.

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

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError(localized("--batch-size must be positive.", id: "--batch-size harus bilangan positif.")) }
        let names = ReadModels.builtIn().map(\.name)
        for name in only where !names.contains(name) {
            let choices = names.joined(separator: ", ")
            throw ValidationError(localized("There is no read model \"\(name)\"; choose from \(choices).",
                                            id: "Tidak ada read model \"\(name)\"; pilih dari \(choices)."))
        }
    }

    func run() async throws {
        let ledger = try ledgerOption.open(readOnly: true)
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
        let reader = try identity.reader(registry: try attempt { try ledger.registry() })
        let runner = try attempt {
            try ProjectionRunner(ledger: ledger, database: database,
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

