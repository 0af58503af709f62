import GRDB
import Jejak
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

    /// The texts of the row being bound, copied here one after the other and handed to SQLite
    /// in place (`SQLITE_STATIC`) when the row runs: one copy into a reused buffer instead of an
    /// allocation and a copy by SQLite for each text (`SQLITE_TRANSIENT`).
    private var texts: [UInt8] = []
    /// The parameters bound to `texts`: parameter number, offset, length.
    private var pending: [(parameter: Int32, offset: Int, length: Int)] = []

    /// Binds the next parameter to a text or `NULL`.
    mutating func add(_ value: String?) {
        guard let value else { return addNull() }
        addText { $0.append(contentsOf: value.utf8) }
    }

    /// Binds the next parameter to a time, as RFC 3339 text (``LedgerTime/rfc3339``).
    mutating func add(_ time: LedgerTime) {
        addText { texts in time.withRFC3339 { texts.append(contentsOf: $0) } }
    }

    /// Binds the next parameter to the text that `write` appends to ``texts``.
    private mutating func addText(_ write: (inout [UInt8]) -> Void) {
        let offset = texts.count
        write(&texts)
        pending.append((next, offset, texts.count - offset))
        next += 1
    }

    private mutating func addNull() {
        sqlite3_bind_null(raw, next)
        next += 1
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
        let raw = self.raw, pending = self.pending
        let code = texts.withUnsafeBufferPointer { texts in
            for text in pending {
                Self.bindInPlace(raw, text.parameter, texts.baseAddress.map { $0 + text.offset }, length: text.length)
            }
            return sqlite3_step(raw)
        }
        sqlite3_reset(raw)
        // No parameter may point into the buffers once this returns.
        sqlite3_clear_bindings(raw)
        texts.removeAll(keepingCapacity: true)
        self.pending.removeAll(keepingCapacity: true)
        next = 1
        guard code == SQLITE_DONE else {
            let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(code)"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }
}

extension RowWriter {
    /// Binds the next parameter to `text` of the arena whose bytes are `texts`, or to `NULL`.
    /// SQLite reads the bytes where they are (`SQLITE_STATIC`): `texts` must stay valid and
    /// unchanged until ``run()`` has returned.
    mutating func add(_ text: TextArena.Text, in texts: UnsafeBufferPointer<UInt8>) {
        defer { next += 1 }
        guard text.length >= 0, text.offset + text.length <= texts.count else {
            sqlite3_bind_null(raw, next)
            return
        }
        Self.bindInPlace(raw, next, texts.baseAddress.map { $0 + text.offset }, length: text.length)
    }

    /// Binds `parameter` of `statement` to the `length` bytes at `bytes` (an empty text when
    /// `bytes` is `nil`) without a copy (`SQLITE_STATIC`: a `nil` destructor): they must stay
    /// valid and unchanged until the statement has run.
    private static func bindInPlace(_ statement: SQLiteStatement, _ parameter: Int32, _ bytes: UnsafePointer<UInt8>?,
                                    length: Int) {
        guard let bytes else {
            sqlite3_bind_text(statement, parameter, "", 0, nil)
            return
        }
        _ = UnsafeRawPointer(bytes).withMemoryRebound(to: CChar.self, capacity: length) {
            sqlite3_bind_text(statement, parameter, $0, Int32(length), nil)
        }
    }
}

/// The texts of a batch's rows in one buffer, so that a whole batch is bound to SQLite from one
/// pointer, without a copy or a reference count per value.
struct TextArena: Sendable {
    /// A text of the arena, or `NULL`.
    struct Text: Sendable {
        /// Where the text's UTF-8 bytes start.
        var offset: Int
        /// How many bytes it has; -1 for `NULL`.
        var length: Int

        /// `NULL`.
        static let null = Text(offset: 0, length: -1)
    }

    private var bytes: [UInt8] = []

    /// Adds `text` (or `NULL`).
    mutating func append(_ text: String?) -> Text {
        guard let text else { return .null }
        let offset = bytes.count
        bytes.append(contentsOf: text.utf8)
        return Text(offset: offset, length: bytes.count - offset)
    }

    /// Adds `time` as RFC 3339 text (``LedgerTime/rfc3339``).
    mutating func append(_ time: LedgerTime) -> Text {
        let offset = bytes.count
        time.withRFC3339 { bytes.append(contentsOf: $0) }
        return Text(offset: offset, length: bytes.count - offset)
    }

    /// Adds the text whose UTF-8 bytes are `utf8`.
    mutating func append(utf8: UnsafeRawBufferPointer) -> Text {
        let offset = bytes.count
        bytes.append(contentsOf: utf8)
        return Text(offset: offset, length: utf8.count)
    }

    /// The text `text`, or `nil` for `NULL`.
    func string(_ text: Text) -> String? {
        guard text.length >= 0, text.offset + text.length <= bytes.count else { return nil }
        return String(decoding: bytes[text.offset..<(text.offset + text.length)], as: UTF8.self)
    }

    /// Calls `body` with the arena's bytes.
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer(body)
    }
}
