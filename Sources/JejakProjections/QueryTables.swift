import Foundation

/// The read models' query results as tables: the columns `jejak query` prints and the server
/// answers as CSV, one function per query, shared so that both say the same.
public enum QueryTables {
    /// A table: its header and its rows, each row one string per column.
    public struct Table: Hashable, Sendable {
        /// The column names.
        public var headers: [String]
        /// The rows.
        public var rows: [[String]]

        /// The table as CSV (RFC 4180: a field with a comma, a quote or a line break is quoted,
        /// its quotes doubled), one line per row after the header, each line ending in `\n`.
        public var csv: String {
            func field(_ s: String) -> String {
                s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                    ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            }
            return ([headers] + rows).map { $0.map(field).joined(separator: ",") + "\n" }.joined()
        }
    }

    /// The exchanges; `overdue` marks every row overdue (the filter asked for overdue ones). The
    /// `late` and `overdue` columns are `true` or `false`, in the CSV as in the terminal.
    public static func exchanges(_ records: [ExchangeRecord], overdue: Bool = false) -> Table {
        Table(headers: ["id", "status", "requester", "provider", "category", "classification", "title", "due",
                        "requested", "delivered", "closed", "late", "overdue", "entries"],
              rows: records.map {
                  [$0.id, $0.status, $0.requester, $0.provider, $0.category ?? "", $0.classification ?? "",
                   $0.title ?? ($0.sealed ? sealedNote($0.sealedTo) : ""),
                   $0.dueDate ?? "", $0.requestedAt, $0.deliveredAt ?? "", $0.closedAt ?? "",
                   String($0.late), String(overdue || $0.overdue),
                   $0.eventIndexes.map(String.init).joined(separator: " ")]
              })
    }

    /// One exchange's events.
    public static func timeline(_ records: [ExchangeEventRecord]) -> Table {
        Table(headers: ["seq", "index", "type", "source", "time", "appended", "detail"],
              rows: records.map {
                  [String($0.seq), String($0.logIndex), $0.type, $0.source, $0.time, $0.appendedAt,
                   $0.detail ?? ($0.sealed ? sealedNote($0.sealedTo) : "")]
              })
    }

    /// What a table shows for content sealed to others.
    static func sealedNote(_ to: [String]?) -> String {
        "[sealed to \((to ?? []).joined(separator: ", "))]"
    }

    /// The units and their keys.
    public static func units(_ records: [UnitRecord]) -> Table {
        Table(headers: ["id", "role", "name", "registered", "active keys", "keys"],
              rows: records.map {
                  [$0.id, $0.role, $0.name, $0.registeredAt, String($0.activeKeys),
                   $0.keys.map { "\($0.keyID) (\($0.status))" }.joined(separator: " ")]
              })
    }

    /// Events per unit per month.
    public static func activity(_ records: [ActivityRecord]) -> Table {
        let columns = ActivityProjection.counters
        return Table(headers: ["unit", "month"] + columns,
                     rows: records.map { r in [r.unit, r.month] + columns.map { String(r.counts[$0] ?? 0) } })
    }

    /// The audits, one row per finding.
    public static func audits(_ records: [AuditRecord]) -> Table {
        var rows: [[String]] = []
        for a in records {
            if a.findings.isEmpty { rows.append([a.id, a.auditedUnit, a.status, "", "", "", "", ""]) }
            for f in a.findings {
                rows.append([a.id, a.auditedUnit, a.status, f.finding, f.severity ?? "", f.status,
                             String(f.followUps.count), f.followUps.last?.recordedAt ?? ""])
            }
        }
        return Table(headers: ["audit", "audited unit", "audit status", "finding", "severity", "status",
                               "follow-ups", "last follow-up"], rows: rows)
    }
}
