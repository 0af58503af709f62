import CLMDB

/// A key and value copied out of a database.
public struct KeyValue: Hashable, Sendable {
    /// The key bytes.
    public var key: [UInt8]
    /// The value bytes.
    public var value: [UInt8]

    /// A key and value.
    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// A cursor over one database, valid only inside `withCursor` of a transaction.
///
/// The positioning methods return copies; ``scan(from:_:)`` and ``scanBackward(from:_:)`` hand
/// the closure buffers that point into the memory map, valid only during that call, for fast
/// sequential reads.
///
/// ```swift
/// try env.read { txn in
///     try txn.withCursor(entries) { cursor in
///         try cursor.scan(from: BigEndian.bytes(UInt64(10))) { key, value in
///             // …
///             return true // keep going
///         }
///     }
/// }
/// ```
public struct Cursor: ~Copyable {
    let cursor: OpaquePointer
    let db: Database
    init(_ cursor: OpaquePointer, _ db: Database) {
        self.cursor = cursor
        self.db = db
    }

    /// The first entry, or `nil` if the database is empty.
    /// - Throws: ``LMDBError``.
    public func first() throws(LMDBError) -> KeyValue? { try copy(MDB_FIRST) }

    /// The last entry, or `nil` if the database is empty.
    /// - Throws: ``LMDBError``.
    public func last() throws(LMDBError) -> KeyValue? { try copy(MDB_LAST) }

    /// The entry after the current position, or `nil` at the end.
    /// - Throws: ``LMDBError``.
    public func next() throws(LMDBError) -> KeyValue? { try copy(MDB_NEXT) }

    /// The entry before the current position, or `nil` at the start.
    /// - Throws: ``LMDBError``.
    public func previous() throws(LMDBError) -> KeyValue? { try copy(MDB_PREV) }

    /// Moves to the first entry whose key is greater than or equal to `key` (`MDB_SET_RANGE`).
    /// - Throws: ``LMDBError``.
    public func seek(atLeast key: [UInt8]) throws(LMDBError) -> KeyValue? {
        try Ops.withKey(key) { (kv) throws(LMDBError) -> KeyValue? in
            var v = MDB_val()
            return try self.copy(mdb_cursor_get(cursor, &kv, &v, MDB_SET_RANGE), kv, v)
        }
    }

    /// Moves to the last entry whose key is less than or equal to `key`.
    /// - Throws: ``LMDBError``.
    public func seek(atMost key: [UInt8]) throws(LMDBError) -> KeyValue? {
        if let kv = try seek(atLeast: key) {
            if kv.key == key { return kv }
            return try previous()
        }
        return try last()
    }

    /// Positions the cursor at the first key ≥ `start` (`MDB_SET_RANGE`), setting `k` and `v`.
    private func seekRange(_ start: [UInt8], _ k: inout MDB_val, _ v: inout MDB_val) -> Int32 {
        Ops.withKey(start) { kv in
            let r = mdb_cursor_get(cursor, &kv, &v, MDB_SET_RANGE)
            k = kv
            return r
        }
    }

    /// Calls `body` for each entry from the first key ≥ `start` (or the first entry) upwards,
    /// until `body` returns `false` or the data ends.
    ///
    /// - Throws: ``LMDBError``, or what `body` throws.
    public func scan(from start: [UInt8]? = nil,
                     _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        var k = MDB_val(), v = MDB_val()
        var rc = start.map { seekRange($0, &k, &v) } ?? mdb_cursor_get(cursor, &k, &v, MDB_FIRST)
        while rc == MDB_SUCCESS {
            guard try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                           UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)) else { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get(\(db.name))") }
    }

    /// Calls `body` for each entry from the last key ≤ `start` (or the last entry) downwards,
    /// until `body` returns `false` or the data ends.
    ///
    /// - Throws: ``LMDBError``, or what `body` throws.
    public func scanBackward(from start: [UInt8]? = nil,
                             _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        var k = MDB_val(), v = MDB_val()
        var rc: Int32
        if let start {
            rc = seekRange(start, &k, &v)
            if rc == MDB_NOTFOUND {
                rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
            } else if rc == MDB_SUCCESS,
                      !UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size).elementsEqual(start) {
                rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)
            }
        } else {
            rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
        }
        while rc == MDB_SUCCESS {
            guard try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size),
                           UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)) else { return }
            rc = mdb_cursor_get(cursor, &k, &v, MDB_PREV)
        }
        if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get(\(db.name))") }
    }

    private func copy(_ op: MDB_cursor_op) throws(LMDBError) -> KeyValue? {
        var k = MDB_val(), v = MDB_val()
        return try copy(mdb_cursor_get(cursor, &k, &v, op), k, v)
    }

    private func copy(_ rc: Int32, _ k: MDB_val, _ v: MDB_val) throws(LMDBError) -> KeyValue? {
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_cursor_get(\(db.name))")
        return KeyValue(key: Array(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size)),
                        value: Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)))
    }
}
