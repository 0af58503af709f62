import GRDB
import GRDBSQLite

/// Binds and runs a prepared insert through the SQLite C API, for the rows a catch-up writes by
/// the hundred thousand (GRDB's `StatementArguments` box every value).
///
/// The statement comes from GRDB (`Database.cachedStatement`) and runs inside GRDB's transaction.
struct RowWriter {
    private let raw: SQLiteStatement
    private let connection: SQLiteConnection?
    private var next: Int32 = 1

    /// A writer for `statement`, of the connection of `db`.
    init(_ statement: Statement, in db: Database) {
        raw = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(raw)
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Binds the next parameter to a text or `NULL`.
    mutating func add(_ value: String?) {
        defer { next += 1 }
        guard var text = value else {
            sqlite3_bind_null(raw, next)
            return
        }
        text.withUTF8 { utf8 in
            if let base = utf8.baseAddress {
                _ = base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_bind_text(raw, next, $0, Int32(utf8.count), Self.transient)
                }
            } else {
                sqlite3_bind_text(raw, next, "", 0, Self.transient)
            }
        }
    }

    /// Binds the next parameter to an integer.
    mutating func add(_ value: Int64) {
        sqlite3_bind_int64(raw, next, value)
        next += 1
    }

    /// Binds the next parameter to 0 or 1.
    mutating func add(_ value: Bool) {
        add(value ? 1 : 0 as Int64)
    }

    /// Runs the statement with the parameters bound, then resets it for the next row.
    mutating func run() throws {
        let code = sqlite3_step(raw)
        sqlite3_reset(raw)
        next = 1
        guard code == SQLITE_DONE else {
            let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(code)"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }
}
