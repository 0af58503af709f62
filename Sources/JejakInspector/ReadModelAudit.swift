import Foundation
import GRDB
import Jejak
import JejakBase
import JejakJSON
import JejakProjections
import JejakVerification

/// Rebuilds the read models from the log into a temporary database, up to the live database's
/// own positions, and compares every table row by row: a doctored, added or deleted row is a
/// ``AuditRule/readModel`` finding naming the table and the row.
struct ReadModelAudit {
    let ledger: Ledger
    let live: String
    let projections: [any Projection]

    /// Rows reported per table and direction.
    static let maxRowsPerTable = 20

    /// - Returns: The number of tables compared and the findings.
    func compare() async throws(InspectorError) -> (Int, [Finding]) {
        guard FileManager.default.fileExists(atPath: live) else {
            throw InspectorError(.readModels, "there is no read-model database at \(live); build one with `jejak project --db \(live)`")
        }
        let tmp = FileManager.default.temporaryDirectory
            .appendingPathComponent("jejak-inspect-\(UUID().uuidString).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: tmp + suffix) }
        }
        do {
            let rebuilt = try ReadModelDatabase.openForWriting(path: tmp, durability: .off)
            // The live database may move on while we compare (a follower runs): catch the
            // rebuild up to its positions again, a few times, before giving up.
            for _ in 0..<5 {
                let positions = try livePositions()
                var findings: [Finding] = []
                for p in projections {
                    guard let position = positions[p.name] else {
                        findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                                message: "the read-model database has no checkpoint for the projection \(p.name)",
                                                table: "projections"))
                        continue
                    }
                    let size = try ledger.size()
                    guard position <= size else {
                        findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                                message: "the projection \(p.name) claims \(position) applied entries; the log holds \(size)",
                                                table: "projections"))
                        continue
                    }
                    let runner = try ProjectionRunner(ledger: ledger, database: rebuilt, projections: [p])
                    try await runner.catchUp(until: position)
                }
                if !findings.isEmpty { return (0, findings) }
                if let result = try compareTables(rebuilt: rebuilt, expecting: positions) { return result }
            }
            throw InspectorError(.readModels, "the read models at \(live) kept changing during the comparison; stop their worker or audit again")
        } catch let error as InspectorError {
            throw error
        } catch {
            throw InspectorError(.readModels, "the read models at \(live) could not be rebuilt and compared: \(error)")
        }
    }

    private func livePositions() throws -> [String: UInt64] {
        let db = try ReadModelDatabase.openReadOnly(path: live)
        var out: [String: UInt64] = [:]
        for s in try ReadModels(reader: db).checkpoints() { out[s.name] = s.position }
        return out
    }

    /// Compares every table in one snapshot of the live file; `nil` if its positions moved.
    private func compareTables(rebuilt: DatabaseQueue, expecting positions: [String: UInt64]) throws -> (Int, [Finding])? {
        try rebuilt.writeWithoutTransaction { db -> (Int, [Finding])? in
            try db.execute(sql: "ATTACH DATABASE ? AS live", arguments: [live])
            defer { try? db.execute(sql: "DETACH DATABASE live") }
            // One read transaction: one snapshot of both files.
            try db.execute(sql: "BEGIN DEFERRED")
            defer { try? db.execute(sql: "COMMIT") }
            return try compare(db, positions: positions)
        }
    }

    private func compare(_ db: Database, positions: [String: UInt64]) throws -> (Int, [Finding])? {
        var now: [String: UInt64] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, position FROM live.projections") {
            guard let name = row["name"] as String?, let position = (row["position"] as Int64?).flatMap(UInt64.init(exactly:)) else {
                continue  // a damaged row: the positions read earlier no longer match, and the comparison says so
            }
            now[name] = position
        }
        guard projections.allSatisfy({ now[$0.name] == positions[$0.name] }) else { return nil }

        let skip: Set<String> = ["projections", "ledger"]
        func tables(_ schema: String) throws -> Set<String> {
            Set(try String.fetchAll(db, sql: "SELECT name FROM \(schema).sqlite_master WHERE type = 'table' AND lower(substr(name, 1, 7)) <> 'sqlite_'"))
                .subtracting(skip)
        }
        let liveTables = try tables("live"), rebuiltTables = try tables("main")
        var findings: [Finding] = []
        for t in liveTables.symmetricDifference(rebuiltTables).sorted() {
            findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                    message: liveTables.contains(t) ? "the table \(t) is not built by any projection"
                                                                    : "the table \(t) is missing",
                                    table: t))
        }
        for t in liveTables.intersection(rebuiltTables).sorted() {
            findings += try compareTable(t, db)
        }
        findings += try compareSchemaObjects(db)
        return (liveTables.count, findings)
    }

    /// Every object of the live file's schema — tables, indexes, views, triggers — must be one
    /// the projections make, with the same definition: a view can show an auditor other rows
    /// than the tables hold, a trigger can change rows as the worker writes them, and a table
    /// definition with another collation compares text otherwise.
    private func compareSchemaObjects(_ db: Database) throws -> [Finding] {
        func objects(_ schema: String) throws -> [ExactText: (type: String, sql: String?)] {
            var out: [ExactText: (type: String, sql: String?)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT type, name, sql FROM \(schema).sqlite_master WHERE lower(substr(name, 1, 7)) <> 'sqlite_'") {
                out[ExactText(row["name"] as String)] = (row["type"], row["sql"])
            }
            return out
        }
        let live = try objects("live"), rebuilt = try objects("main")
        var findings: [Finding] = []
        for (name, object) in live.sorted(by: { $0.key < $1.key }) {
            guard let made = rebuilt[name] else {
                // Tables were compared above; other objects are named here.
                if object.type != "table" {
                    findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                            message: "the \(object.type) \(name.string) is not made by any projection: someone added it to the read-model file",
                                            table: name.string))
                }
                continue
            }
            if made.type != object.type || !(made.sql ?? "").sameBytes(as: object.sql ?? "") {
                findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                        message: "the \(object.type) \(name.string) is not defined as its projection defines it",
                                        table: name.string))
            }
        }
        for (name, made) in rebuilt.sorted(by: { $0.key < $1.key }) where live[name] == nil && made.type != "table" {
            findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                    message: "the \(made.type) \(name.string) that its projection makes is missing", table: name.string))
        }
        return findings
    }

    private func compareTable(_ table: String, _ db: Database) throws -> [Finding] {
        let q = "\"\(table.replacingOccurrences(of: "\"", with: "\"\""))\""
        let liveColumns = try db.columns(in: table, in: "live").map(\.name)
        let columns = try db.columns(in: table, in: "main").map(\.name)
        guard liveColumns == columns else {
            return [Finding(rule: AuditRule.readModel.rawValue,
                            message: "the table \(table) has the columns (\(liveColumns.joined(separator: ", "))), not (\(columns.joined(separator: ", ")))",
                            table: table)]
        }
        let limit = Self.maxRowsPerTable
        let extra = try Row.fetchAll(db, sql: "SELECT * FROM live.\(q) EXCEPT SELECT * FROM main.\(q) LIMIT \(limit)")
        let missing = try Row.fetchAll(db, sql: "SELECT * FROM main.\(q) EXCEPT SELECT * FROM live.\(q) LIMIT \(limit)")
        guard !extra.isEmpty || !missing.isEmpty else { return [] }

        let key = columns.first ?? ""
        func value(_ row: Row, _ column: String) -> DatabaseValue { (row[column] as DatabaseValue?) ?? .null }
        // Texts compare by their bytes, as SQLite compared them.
        func keyOf(_ row: Row) -> ExactText { ExactText(value(row, key).description) }
        func same(_ a: DatabaseValue, _ b: DatabaseValue) -> Bool {
            if case .string(let x) = a.storage, case .string(let y) = b.storage { return x.sameBytes(as: y) }
            return a == b
        }
        var expected: [ExactText: Row] = [:]
        for row in missing { expected[keyOf(row)] = row }
        var findings: [Finding] = []
        var explained: Set<ExactText> = []
        for row in extra {
            let k = keyOf(row)
            if let want = expected[k] {
                let changed = columns.filter { !same(value(row, $0), value(want, $0)) }
                let detail = changed.prefix(4).map { c in
                    "\(c) is \(value(row, c)), the log gives \(value(want, c))"
                }.joined(separator: "; ")
                findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                        message: "the row \(key) = \(k) of \(table) differs from the rebuild: \(detail)", table: table))
                explained.insert(k)
            } else {
                findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                        message: "the row \(key) = \(k) of \(table) is not in the rebuild from the log", table: table))
            }
        }
        for row in missing where !explained.contains(keyOf(row)) {
            findings.append(Finding(rule: AuditRule.readModel.rawValue,
                                    message: "the row \(key) = \(keyOf(row)) of \(table) is missing (the log implies it)", table: table))
        }
        return findings
    }
}
