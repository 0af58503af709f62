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
    @Option(help: ArgumentHelp("The read models' SQLite file (built by `jejak project`).", valueName: "file"))
    var db: String
    @Option(help: ArgumentHelp("table, json or csv.", valueName: "format"))
    var format: QueryFormat = .table

    @OptionGroup var ledgerOption: LedgerOption
    @Flag(help: "Bring the read models up to date with the ledger first (as `jejak project --db FILE`; needs the ledger).")
    var refresh = false

    /// Opens the read models. With the ledger known (--ledger or $JEJAK_LEDGER) it says on
    /// standard error how far they are behind the log, or with --refresh catches them up first.
    func open() async throws -> ReadModels {
        guard FileManager.default.fileExists(atPath: db) || refresh else {
            throw CLIFailure(description: "\(db) does not exist; build it with `jejak project --db \(db)`")
        }
        let ledgerPath = try? ledgerOption.path()
        if refresh {
            guard ledgerPath != nil else { throw ValidationError("--refresh needs the ledger: pass --ledger DIR or set JEJAK_LEDGER.") }
            let ledger = try ledgerOption.open(readOnly: true)
            let database = try attempt { try ReadModelDatabase.openForWriting(path: db) }
            let runner = try attempt { try ProjectionRunner(ledger: ledger, database: database, projections: ReadModels.builtIn()) }
            _ = try await attempt { try await runner.catchUp() }
        }
        let models = try attempt { try ReadModels(path: db) }
        if !refresh, ledgerPath != nil, let ledger = try? ledgerOption.open(readOnly: true), let size = try? ledger.size(),
           let position = try? models.checkpoints().map(\.position).min(), position < size {
            let behind = size - position
            note("These read models are \(behind) \(behind == 1 ? "entry" : "entries") behind the log (they hold \(position) of its \(size) entries): `jejak project --db \(db)` brings them up to date, or add --refresh.")
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
    note("\(sealed) of these \(count) \(what) hold content sealed to other units (NULL here); a unit it is sealed to reads it with `jejak project --identity FILE` into its own --db.")
}

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask the read models (built by `jejak project`) about exchanges, units, activity and audits.",
        discussion: """
            Examples:
              jejak query exchanges --db rm.sqlite --unit biro-keuangan --overdue --as-of 2026-12-31
              jejak query exchanges --db rm.sqlite --status rejected --format csv
              jejak query timeline exchange/2026-0001 --db rm.sqlite
              jejak query units --db rm.sqlite --format json
              jejak query audits --db rm.sqlite
            """,
        subcommands: [QueryExchanges.self, QueryTimeline.self, QueryUnits.self, QueryActivity.self, QueryAudits.self])
}

struct QueryExchanges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchanges",
        abstract: "List exchanges, with filters.",
        discussion: """
            An exchange is overdue when it waits for its provider (status requested or rejected) \
            and its due date is before the as-of date (default: today in WIB, UTC+07:00). Every \
            date here is a calendar day in WIB, as the read models derive them: --as-of, \
            --since (from 00:00 WIB) and the dates printed; the times printed are UTC (Z).

            Examples:
              jejak query exchanges --db rm.sqlite --overdue --as-of 2026-12-31
              jejak query exchanges --db rm.sqlite --unit biro-keuangan --status delivered --format json
            """)

    @OptionGroup var options: QueryOptions
    @Option(help: ArgumentHelp("Only this status: \(ExchangesProjection.Status.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "status"))
    var status: String?
    @Option(help: ArgumentHelp("Only exchanges this unit takes part in (requester, provider or recipient).", valueName: "unit"))
    var unit: String?
    @Flag(help: "Only overdue exchanges (see --as-of).")
    var overdue = false
    @Option(name: .customLong("as-of"), help: ArgumentHelp("The date overdue is judged on (YYYY-MM-DD).", valueName: "date"))
    var asOf: String?
    @Option(help: ArgumentHelp("Only exchanges requested on or after this date (YYYY-MM-DD, WIB).", valueName: "date"))
    var since: String?
    @Option(help: ArgumentHelp("At most this many.", valueName: "n"))
    var limit: Int?

    func run() async throws {
        var filter = ExchangeFilter()
        if let status {
            guard let s = ExchangesProjection.Status(rawValue: status) else {
                throw ValidationError("--status must be one of \(ExchangesProjection.Status.allCases.map(\.rawValue).joined(separator: ", ")).")
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
        noteSealed(records.filter(\.sealed).count, of: records.count, what: "exchanges")
    }
}

struct QueryTimeline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline", abstract: "The events of one exchange, in order.",
        discussion: """
            Examples:
              jejak query timeline exchange/2026-000123 --db rm.sqlite
              jejak query timeline exchange/2026-000123 --db rm.sqlite --format json
            """)

    @OptionGroup var options: QueryOptions
    @Argument(help: ArgumentHelp("The exchange's stream, e.g. exchange/2026-0001.", valueName: "exchange"))
    var exchange: String

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.timeline(of: exchange) }
        guard !records.isEmpty else { throw CLIFailure(description: "no exchange \(exchange) in \(options.db)") }
        try options.emit(records, QueryTables.timeline(records))
        noteSealed(records.filter(\.sealed).count, of: records.count, what: "events")
    }
}

struct QueryUnits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units", abstract: "The registered units and their keys.",
        discussion: """
            Examples:
              jejak query units --db rm.sqlite
              jejak query units --db rm.sqlite --format csv
            """)

    @OptionGroup var options: QueryOptions

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.units() }
        try options.emit(records, QueryTables.units(records))
    }
}

struct QueryActivity: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activity", abstract: "Events per unit per month (WIB).",
        discussion: """
            Examples:
              jejak query activity --db rm.sqlite
              jejak query activity --db rm.sqlite --unit biro-keuangan --format json
            """)

    @OptionGroup var options: QueryOptions
    @Option(help: ArgumentHelp("Only this unit.", valueName: "unit"))
    var unit: String?

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.activity(unit: unit) }
        try options.emit(records, QueryTables.activity(records))
    }
}

struct QueryAudits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audits", abstract: "Audits, one line per finding with the status of its follow-ups.",
        discussion: """
            Examples:
              jejak query audits --db rm.sqlite
              jejak query audits --db rm.sqlite --format json
            """)

    @OptionGroup var options: QueryOptions

    func run() async throws {
        let models = try await options.open()
        let records = try attempt { try models.audits() }
        try options.emit(records, QueryTables.audits(records))
    }
}
