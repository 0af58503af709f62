import CLMDB

/// A read-only LMDB transaction: a consistent snapshot of the environment.
///
/// It exists only inside ``Environment/read(_:)``; being `~Copyable` and borrowed, it can't
/// escape the closure. Buffers handed to closures (``withValue(_:key:_:)``, cursor scans) point
/// into the memory map and are valid only during that call.
public struct ReadTransaction: ~Copyable {
    let txn: OpaquePointer
    init(_ txn: OpaquePointer) { self.txn = txn }

    /// The value stored under `key`, copied out, or `nil` if there is none.
    ///
    /// - Throws: ``LMDBError`` (for example ``LMDBError/badValueSize`` for an empty key).
    public func get(_ db: Database, key: [UInt8]) throws(LMDBError) -> [UInt8]? {
        try Ops.get(txn, db, key)
    }

    /// Calls `body` with the value stored under `key`, without copying it; `nil` if absent.
    ///
    /// - Throws: ``LMDBError``, or what `body` throws.
    public func withValue<R>(_ db: Database, key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try Ops.withValue(txn, db, key, body)
    }

    /// The number of entries in `db`.
    ///
    /// - Throws: the ``LMDBError`` of `mdb_stat`.
    public func count(_ db: Database) throws(LMDBError) -> Int {
        try Ops.count(txn, db)
    }

    /// Opens a cursor on `db` for the duration of `body`.
    ///
    /// - Throws: ``LMDBError``, or what `body` throws.
    public func withCursor<R>(_ db: Database, _ body: (borrowing Cursor) throws -> R) throws -> R {
        try Ops.withCursor(txn, db, body)
    }
}

/// A read-write LMDB transaction. It exists only inside ``Environment/write(_:)``, which commits
/// it when the closure returns and aborts it when the closure throws.
public struct WriteTransaction: ~Copyable {
    let txn: OpaquePointer
    init(_ txn: OpaquePointer) { self.txn = txn }

    /// Options for ``put(_:key:value:options:)``.
    public struct PutOptions: OptionSet, Sendable {
        public let rawValue: UInt32
        /// Creates options from raw `mdb_put` flags.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Refuse to overwrite an existing key (`MDB_NOOVERWRITE`): throws ``LMDBError/keyExists``.
        public static let noOverwrite = PutOptions(rawValue: UInt32(MDB_NOOVERWRITE))
        /// The key sorts after every existing key (`MDB_APPEND`): a fast path for sequential
        /// keys; throws ``LMDBError/keyExists`` if the key is not greater than the last one.
        public static let append = PutOptions(rawValue: UInt32(MDB_APPEND))
    }

    /// The value stored under `key`, copied out, or `nil` if there is none (this transaction's
    /// own writes included).
    ///
    /// - Throws: ``LMDBError``.
    public func get(_ db: Database, key: [UInt8]) throws(LMDBError) -> [UInt8]? {
        try Ops.get(txn, db, key)
    }

    /// Calls `body` with the value stored under `key`, without copying it; `nil` if absent.
    ///
    /// - Throws: ``LMDBError``, or what `body` throws.
    public func withValue<R>(_ db: Database, key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try Ops.withValue(txn, db, key, body)
    }

    /// The number of entries in `db`, this transaction's writes included.
    ///
    /// - Throws: the ``LMDBError`` of `mdb_stat`.
    public func count(_ db: Database) throws(LMDBError) -> Int {
        try Ops.count(txn, db)
    }

    /// Opens a cursor on `db` for the duration of `body`.
    ///
    /// - Throws: ``LMDBError``, or what `body` throws.
    public func withCursor<R>(_ db: Database, _ body: (borrowing Cursor) throws -> R) throws -> R {
        try Ops.withCursor(txn, db, body)
    }

    /// Stores `value` under `key`.
    ///
    /// - Throws: ``LMDBError/keyExists`` (with ``PutOptions/noOverwrite`` or
    ///   ``PutOptions/append``), ``LMDBError/mapFull`` (handled by ``Environment/write(_:)``),
    ///   ``LMDBError/badValueSize`` for an empty or too long key, ``LMDBError/transactionFull``.
    public func put(_ db: Database, key: [UInt8], value: [UInt8], options: PutOptions = []) throws(LMDBError) {
        try Ops.withBytes(value) { (v) throws(LMDBError) in
            try put(db, key: key, value: v, options: options)
        }
    }

    /// Stores the bytes of `value` under `key` (no intermediate copy).
    ///
    /// - Throws: as ``put(_:key:value:options:)``.
    public func put(_ db: Database, key: [UInt8], value: UnsafeRawBufferPointer, options: PutOptions = []) throws(LMDBError) {
        try Ops.withKey(key) { (kv) throws(LMDBError) in
            var vv = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
            try check(mdb_put(txn, db.dbi, &kv, &vv, options.rawValue), "mdb_put(\(db.name))")
        }
    }

    /// Deletes `key`; returns whether it existed.
    ///
    /// - Throws: ``LMDBError`` other than "not found".
    @discardableResult
    public func delete(_ db: Database, key: [UInt8]) throws(LMDBError) -> Bool {
        try Ops.withKey(key) { (kv) throws(LMDBError) -> Bool in
            let rc = mdb_del(txn, db.dbi, &kv, nil)
            if rc == MDB_NOTFOUND { return false }
            try check(rc, "mdb_del(\(db.name))")
            return true
        }
    }

    /// Deletes every entry of `db` (the database itself stays open).
    ///
    /// - Throws: the ``LMDBError`` of `mdb_drop`.
    public func clear(_ db: Database) throws(LMDBError) {
        try check(mdb_drop(txn, db.dbi, 0), "mdb_drop(\(db.name))")
    }
}

/// The operations shared by read and write transactions.
enum Ops {
    /// `Array.withUnsafeBytes` with a typed error.
    static func withBytes<R, E: Error>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = bytes.withUnsafeBytes { p in
            Result { () throws(E) -> R in try body(p) }
        }
        return try result.get()
    }

    /// Calls `body` with an `MDB_val` pointing at `key`.
    static func withKey<R, E: Error>(_ key: [UInt8], _ body: (inout MDB_val) throws(E) -> R) throws(E) -> R {
        try withBytes(key) { (k) throws(E) -> R in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return try body(&kv)
        }
    }

    static func get(_ txn: OpaquePointer, _ db: Database, _ key: [UInt8]) throws(LMDBError) -> [UInt8]? {
        try withKey(key) { (kv) throws(LMDBError) -> [UInt8]? in
            var v = MDB_val()
            let rc = mdb_get(txn, db.dbi, &kv, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "mdb_get(\(db.name))")
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    static func withValue<R>(_ txn: OpaquePointer, _ db: Database, _ key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        var v = MDB_val()
        let rc = withKey(key) { kv in mdb_get(txn, db.dbi, &kv, &v) }
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get(\(db.name))")
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    static func count(_ txn: OpaquePointer, _ db: Database) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(txn, db.dbi, &stat), "mdb_stat(\(db.name))")
        return stat.ms_entries
    }

    static func withCursor<R>(_ txn: OpaquePointer, _ db: Database, _ body: (borrowing Cursor) throws -> R) throws -> R {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &cursor), "mdb_cursor_open(\(db.name))")
        guard let cursor else { throw LMDBError(code: MDB_BAD_TXN, context: "mdb_cursor_open(\(db.name))") }
        defer { mdb_cursor_close(cursor) }
        let c = Cursor(cursor, db)
        return try body(c)
    }
}
