import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands
import JejakProjections

/// How query results are printed.
enum QueryFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// `--db FILE` and `--format`.
struct QueryOptions: ParsableArguments {
    @Option(help: localizedHelp("The read models' SQLite file (built by `jejak project`).", id: "Berkas SQLite read model (dibangun oleh `jejak project`).", valueName: "file"))
    var db: String
    @Option(help: localizedHelp("table, json or csv.", id: "table, json atau csv.", valueName: "format"))
    var format: QueryFormat = .table

    @OptionGroup var ledgerOption: LedgerOption
    @Flag(help: localizedHelp("Bring the read models up to date with the ledger first (as `jejak project --db FILE`; needs the ledger).",
                          id: "Mutakhirkan read model terhadap ledger terlebih dahulu (seperti `jejak project --db FILE`; memerlukan ledger)."))
    var refresh = false

    /// Opens the read models. With the ledger known (--ledger or $JEJAK_LEDGER) it says on
    /// standard error how far they are behind the log, or with --refresh catches them up first.
    func open() async throws -> ReadModels {
        guard FileManager.default.fileExists(atPath: db) || refresh else {
            throw CLIFailure(description: localized("\(db) does not exist; build it with `jejak project --db \(db)`",
                                                    id: "\(db) tidak ada; bangun dengan `jejak project --db \(db)`"))
        }
        let ledgerPath = try? ledgerOption.path()
        if refresh {
            guard ledgerPath != nil else { throw ValidationError(localized("--refresh needs the ledger: pass --ledger DIR or set JEJAK_LEDGER.",
                                                                         id: "--refresh memerlukan ledger: berikan --ledger DIR atau atur JEJAK_LEDGER.")) }
            let ledger = try ledgerOption.open(readOnly: true)
            let database = try attempt { try ReadModelDatabase.openForWriting(path: db) }
            let runner = try attempt { try ProjectionRunner(ledger: ledger, database: database, projections: ReadModels.builtIn()) }
            _ = try await attempt { try await runner.catchUp() }
        }
        let models = try attempt { try ReadModels(path: db) }
        if !refresh, ledgerPath != nil, let ledger = try? ledgerOption.open(readOnly: true), let size = try? ledger.size(),
           let position = try? models.checkpoints().map(\.position).min(), position < size {
            let behind = size - position
            note(localized("These read models are \(behind) \(behind == 1 ? "entry" : "entries") behind the log (they hold \(position) of its \(size) entries): `jejak project --db \(db)` brings them up to date, or add --refresh.",
                           id: "Read model ini tertinggal \(behind) entri dari log (memuat \(position) dari \(size) entrinya): `jejak project --db \(db)` memutakhirkannya, atau tambahkan --refresh."))
        }
        return models
    }

    /// Prints `records` as JSON, or `table` as a table or CSV.
    func emit<T: Encodable>(_ records: [T], _ table: QueryTables.Table) throws {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(records)
            print(String(decoding: data, as: UTF8.self))
        case .csv:
            print(table.csv, terminator: "")
        case .table:
            var widths = table.headers.map(\.count)
            for row in table.rows { for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
            widths = fitted(widths, to: terminalWidth())
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { cell, width in
                    (cell.count > width ? cell.prefix(max(width - 1, 0)) + "…" : cell).padding(toLength: width, withPad: " ", startingAt: 0)
                }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            print(line(table.headers))
            for row in table.rows { print(line(row)) }
        }
    }
}

/// The columns of standard output when it is a terminal (`COLUMNS` when set), or `nil` when
/// the output goes to a file or a pipe (then nothing is cut).
func terminalWidth() -> Int? {
    guard isatty(1) == 1 else { return nil }
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
    return Int(size.ws_col)
}

/// Column widths that fit `width` (two spaces between columns): the widest columns give way
/// first, none below 6 characters, the first (the row's id) never; the cells cut end in "…".
/// Unchanged without a width.
func fitted(_ widths: [Int], to width: Int?) -> [Int] {
    guard let width else { return widths }
    var widths = widths
    while widths.reduce(2 * (widths.count - 1), +) > width,
          let widest = widths.indices.dropFirst().max(by: { widths[$0] < widths[$1] }), widths[widest] > 6 {
        widths[widest] -= 1
    }
    return widths
}

/// Says on standard error how many of the rows hold content sealed to other units.
func noteSealed(_ sealed: Int, of count: Int, what: String) {
    guard sealed > 0 else { return }
    note(localized("\(sealed) of these \(count) \(what) hold content sealed to other units (NULL here); a unit it is sealed to reads it with `jejak project --identity FILE` into its own --db.",
                   id: "\(sealed) dari \(count) \(what) ini memuat konten yang tersegel untuk unit lain (di sini NULL); unit tujuan segelnya membacanya dengan `jejak project --identity FILE` ke --db miliknya sendiri."))
}

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: localized("Ask the read models (built by `jejak project`) about exchanges, units, activity and audits.",
                            id: "Mengajukan kueri ke read model (dibangun oleh `jejak project`) tentang pertukaran, unit, aktivitas, dan audit."),
        discussion: helpExamples(
            "jejak query exchanges --db rm.sqlite --unit biro-keuangan --overdue --as-of 2026-12-31",
            "jejak query exchanges --db rm.sqlite --status rejected --format csv",
            "jejak query timeline exchange/2026-0001 --db rm.sqlite",
            "jejak query units --db rm.sqlite --format json",
            "jejak query audits --db rm.sqlite"),
        subcommands: [QueryExchanges.self, QueryTimeline.self, QueryUnits.self, QueryActivity.self, QueryAudits.self])
}

struct QueryExchanges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchanges",
        abstract: localized("List exchanges, with filters.", id: "Menampilkan daftar pertukaran, dengan penyaring."),
        discussion: localized("""
            An exchange is overdue when it waits for its provider (status requested or rejected) \
            and its due date is before the as-of date (default: today in WIB, UTC+07:00). Every \
            date here is a calendar day in WIB, as the read models derive them: --as-of, \
            --since (from 00:00 WIB) and the dates printed; the times printed are UTC (Z).
            """, id: """
            Sebuah pertukaran lewat tenggat bila masih menunggu penyedianya (status requested \
            atau rejected) dan tanggal tenggatnya sebelum tanggal acuan (bawaan: hari ini dalam \
            WIB, UTC+07:00). Setiap tanggal di sini adalah hari kalender dalam WIB, sebagaimana \
            diturunkan oleh read model: --as-of, --since (mulai pukul 00:00 WIB) dan tanggal yang \
            dicetak; waktu yang dicetak dalam UTC (Z).
            """) + "\n\n" + helpExamples("jejak query exchanges --db rm.sqlite --overdue --as-of 2026-12-31", "jejak query exchanges --db rm.sqlite --unit biro-keuangan --status delivered --format json"))

    @OptionGroup var options: QueryOptions
    @Option(help: localizedHelp("Only this status: \(ExchangesProjection.Status.allCases.map(\.rawValue).joined(separator: ", ")).",
                                id: "Hanya status ini: \(ExchangesProjection.Status.allCases.map(\.rawValue).joined(separator: ", ")).",
                                valueName: "status"))
    var status: String?
    @Option(help: localizedHelp("Only exchanges this unit takes part in (requester, provider or recipient).",
                                id: "Hanya pertukaran yang melibatkan unit ini (peminta, penyedia, atau penerima).", valueName: "unit"))
    var unit: String?
    @Flag(help: localizedHelp("Only overdue exchanges (see --as-of).", id: "Hanya pertukaran yang lewat tenggat (lihat --as-of)."))
    var overdue = false
    @Option(name: .customLong("as-of"), help: localizedHelp("The date overdue is judged on (YYYY-MM-DD).",
                                                                 id: "Tanggal acuan untuk menilai lewat tenggat (YYYY-MM-DD).", valueName: "date"))
    var asOf: String?
    @Option(help: localizedHelp("Only exchanges requested on or after this date (YYYY-MM-DD, WIB).",
                                id: "Hanya pertukaran yang diminta pada atau setelah tanggal ini (YYYY-MM-DD, WIB).", valueName: "date"))
    var since: String?
    @Option(help: localizedHelp("At most this many.", id: "Paling banyak sejumlah ini.", valueName: "n"))
    var limit: Int?

    func run() async throws {
        var filter = ExchangeFilter()
        if let status {
            guard let s = ExchangesProjection.Status(rawValue: status) else {
                let statuses = ExchangesProjection.Status.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError(localized("--status must be one of \(statuses).", id: "--status harus salah satu dari \(statuses)."))
            }
            filter.status = s
        }
        filter.unit = unit
        filter.since = since
        filter.limit = limit
        if overdue { filter.overdueAsOf = asOf ?? ReadModelTimeZone.wib.date(of: .now()) }
        let models = try await options.open()
        let records = try attempt { try models.exchanges(filter) }
        try options.emit(records, QueryTables.exchanges(records, overdue: overdue))
        noteSealed(records.filter(\.sealed).count, of: records.count, what: localized("exchanges", id: "pertukaran"))
    }
}

struct QueryTimeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: localized("The events of one exchange, in order.", id: "Peristiwa-peristiwa satu pertukaran, menurut urutannya."),
        discussion: helpExamples("jejak query timeline exchange/2026-000123 --db rm.sqlite", "jejak query timeline exchange/2026-000123 --db rm.sqlite --format json"))

    @OptionGroup var options: QueryOptions
    @Argument(help: localizedHelp("The exchange's stream, e.g. exchange/2026-0001.", id: "Aliran (stream) pertukaran, mis. exchange/2026-0001.", valueName: "exchange"))
    var exchange: String

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.timeline(of: exchange) }
        guard !records.isEmpty else { throw CLIFailure(description: localized("no exchange \(exchange) in \(options.db)", id: "tidak ada pertukaran \(exchange) di \(options.db)")) }
        try options.emit(records, QueryTables.timeline(records))
        noteSealed(records.filter(\.sealed).count, of: records.count, what: localized("events", id: "peristiwa"))
    }
}

struct QueryUnits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units", abstract: localized("The registered units and their keys.", id: "Unit-unit terdaftar beserta kuncinya."),
        discussion: helpExamples("jejak query units --db rm.sqlite", "jejak query units --db rm.sqlite --format csv"))

    @OptionGroup var options: QueryOptions

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.units() }
        try options.emit(records, QueryTables.units(records))
    }
}

struct QueryActivity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activity", abstract: localized("Events per unit per month (WIB).", id: "Peristiwa per unit per bulan (WIB)."),
        discussion: helpExamples("jejak query activity --db rm.sqlite", "jejak query activity --db rm.sqlite --unit biro-keuangan --format json"))

    @OptionGroup var options: QueryOptions
    @Option(help: localizedHelp("Only this unit.", id: "Hanya unit ini.", valueName: "unit"))
    var unit: String?

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.activity(unit: unit) }
        try options.emit(records, QueryTables.activity(records))
    }
}

struct QueryAudits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audits", abstract: localized("Audits, one line per finding with the status of its follow-ups.",
                                                   id: "Audit, satu baris per temuan beserta status tindak lanjutnya."),
        discussion: helpExamples("jejak query audits --db rm.sqlite", "jejak query audits --db rm.sqlite --format json"))

    @OptionGroup var options: QueryOptions

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.audits() }
        try options.emit(records, QueryTables.audits(records))
    }
}
