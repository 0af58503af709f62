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

    func open() throws -> ReadModels {
        guard FileManager.default.fileExists(atPath: db) else {
            throw CLIFailure(description: "\(db) does not exist; build it with `jejak project --db \(db)`")
        }
        return try attempt { try ReadModels(path: db) }
    }

    /// Prints `records` as JSON, or `rows` under `headers` as a table or CSV.
    func emit<T: Encodable>(_ records: [T], headers: [String], rows: [[String]]) throws {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(records)
            print(String(decoding: data, as: UTF8.self))
        case .csv:
            func field(_ s: String) -> String {
                s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            }
            print(headers.map(field).joined(separator: ","))
            for row in rows { print(row.map(field).joined(separator: ",")) }
        case .table:
            var widths = headers.map(\.count)
            for row in rows { for (i, c) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            print(line(headers))
            for row in rows { print(line(row)) }
        }
    }
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
            and its due date is before the as-of date (default: today in WIB, UTC+07:00).

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
    @Option(help: ArgumentHelp("Only exchanges requested on or after this date (YYYY-MM-DD, UTC).", valueName: "date"))
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
        let records = try attempt { try options.open().exchanges(filter) }
        try options.emit(records, headers: ["id", "status", "requester", "provider", "category", "classification", "due",
                                            "requested", "delivered", "closed", "late", "overdue", "entries"],
                         rows: records.map {
                             [$0.id, $0.status, $0.requester, $0.provider, $0.category ?? "", $0.classification ?? "",
                              $0.dueDate ?? "", $0.requestedAt, $0.deliveredAt ?? "", $0.closedAt ?? "",
                              $0.late ? "yes" : "", (overdue || $0.overdue) ? "yes" : "",
                              $0.eventIndexes.map(String.init).joined(separator: " ")]
                         })
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
        let records = try attempt { try options.open().timeline(of: exchange) }
        guard !records.isEmpty else { throw CLIFailure(description: "no exchange \(exchange) in \(options.db)") }
        try options.emit(records, headers: ["seq", "index", "type", "source", "time", "appended", "detail"],
                         rows: records.map { [String($0.seq), String($0.logIndex), $0.type, $0.source, $0.time, $0.appendedAt, $0.detail ?? ""] })
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
        let records = try attempt { try options.open().units() }
        try options.emit(records, headers: ["id", "role", "name", "registered", "active keys", "keys"],
                         rows: records.map {
                             [$0.id, $0.role, $0.name, $0.registeredAt, String($0.activeKeys),
                              $0.keys.map { "\($0.keyID) (\($0.status))" }.joined(separator: " ")]
                         })
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
        let records = try attempt { try options.open().activity(unit: unit) }
        let columns = ActivityProjection.counters
        try options.emit(records, headers: ["unit", "month"] + columns,
                         rows: records.map { r in [r.unit, r.month] + columns.map { String(r.counts[$0] ?? 0) } })
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
        let records = try attempt { try options.open().audits() }
        var rows: [[String]] = []
        for a in records {
            if a.findings.isEmpty { rows.append([a.id, a.auditedUnit, a.status, "", "", "", "", ""]) }
            for f in a.findings {
                rows.append([a.id, a.auditedUnit, a.status, f.finding, f.severity ?? "", f.status,
                             String(f.followUps.count), f.followUps.last?.recordedAt ?? ""])
            }
        }
        try options.emit(records, headers: ["audit", "audited unit", "audit status", "finding", "severity", "status",
                                            "follow-ups", "last follow-up"], rows: rows)
    }
}
