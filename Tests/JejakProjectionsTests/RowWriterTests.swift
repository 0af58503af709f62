import Foundation
import GRDB
import Testing

@testable import JejakProjections

/// `RowWriter` binds a read-model row to SQLite in place; a row it cannot bind whole is never run.
@Suite struct RowWriterTests {
    private func withTable(_ body: (Database, Statement) throws -> Void) throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (a TEXT, b TEXT)")
            try body(db, try db.makeStatement(sql: "INSERT INTO t (a, b) VALUES (?, ?)"))
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") == 1)
            #expect(try String.fetchOne(db, sql: "SELECT a FROM t") == "kept")
        }
    }

    @Test func aTextOutsideTheArenaRefusesTheRowInsteadOfBindingNULL() throws {
        try withTable { db, statement in
            var arena = TextArena()
            let kept = arena.append("kept")
            let missing = arena.append(nil as String?)
            try arena.withUnsafeBufferPointer { texts in
                var row = RowWriter(statement, in: db)
                row.add(kept, in: texts)
                row.add(missing, in: texts)
                try row.run()
                for outside in [TextArena.Text(offset: 2, length: 3), TextArena.Text(offset: -1, length: 1),
                                TextArena.Text(offset: Int.max, length: 1), TextArena.Text(offset: 0, length: -2)] {
                    var bad = RowWriter(statement, in: db)
                    bad.add(kept, in: texts)
                    bad.add(outside, in: texts)
                    #expect(throws: DatabaseError.self, "\(outside)") { try bad.run() }
                }
            }
        }
    }

    @Test func aParameterBeyondTheStatementsRefusesTheRow() throws {
        try withTable { db, statement in
            var row = RowWriter(statement, in: db)
            row.add("kept")
            row.add(nil as String?)
            try row.run()
            var bad = RowWriter(statement, in: db)
            bad.add("dropped")
            bad.add("b")
            bad.add(Int64(3))
            #expect(throws: DatabaseError.self) { try bad.run() }
        }
    }
}
