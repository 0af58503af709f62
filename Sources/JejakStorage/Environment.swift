import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An LMDB environment: one directory holding `data.mdb` and `lock.mdb`, with named databases.
///
/// Transactions exist only inside the synchronous closures passed to ``read(_:)`` and
/// ``write(_:)``: the transaction value is `~Copyable` and only *borrowed* by the closure, so it
/// cannot be stored, returned, sent to another task or kept across an `await` (a synchronous
/// closure has none). Read transactions use `MDB_NOTLS`, so many may run on any threads at once.
///
/// The map grows by itself. LMDB may be resized only while no transaction of the process is
/// open, so every transaction holds a process-wide lock shared, and a write that hits
/// `MDB_MAP_FULL` aborts, takes that lock exclusively (waiting for running readers to finish),
/// doubles the map (up to ``Options/maxMapSize``) and runs its closure again. When another
/// process grew the map, `MDB_MAP_RESIZED` is handled the same way.
///
/// ```swift
/// let env = try Environment(path: dir, databases: ["entries", "meta"])
/// let entries = try env.database("entries")
/// try env.write { txn in
///     try txn.put(entries, key: BigEndian.bytes(UInt64(0)), value: Array("hello".utf8))
/// }
/// let value = try env.read { txn in try txn.get(entries, key: BigEndian.bytes(UInt64(0))) }
/// ```
///
/// `@unchecked Sendable`: the `MDB_env` handle is safe to share between threads for creating
/// transactions (`MDB_NOTLS` lifts the thread tie of read transactions; write transactions are
/// serialised by ``writerLock`` and begin, run and end on the calling thread inside one
/// synchronous call). The database table is immutable after `init`. The only mutation of the
/// handle after `init`, `mdb_env_set_mapsize`, happens under ``resizeLock`` held exclusively,
/// i.e. while no transaction of this process is open.
public final class Environment: @unchecked Sendable {
    /// How an environment is opened.
    public struct Options: Sendable {
        /// The initial map size in bytes. The data file is sparse, so a large map costs address
        /// space, not disk. Default 1 GiB.
        public var mapSize: Int = 1 << 30
        /// The largest map size growth may reach. Default 1 TiB.
        public var maxMapSize: Int = 1 << 40
        /// The largest number of named databases. Default 32.
        public var maxDatabases: UInt32 = 32
        /// The largest number of simultaneous read transactions (all processes). Default 254.
        public var maxReaders: UInt32 = 254
        /// Opens without write access (`MDB_RDONLY`): for a second process reading a live ledger.
        public var readOnly: Bool = false
        /// Whether a commit waits for the data to reach the disk (`fsync`). Durable by default;
        /// turn it off (`MDB_NOSYNC`) only for throwaway data, e.g. in benchmarks of CPU costs.
        public var durable: Bool = true
        /// File mode of the files LMDB creates. Default `0600`.
        public var fileMode: mode_t = 0o600

        /// The default options: durable, read-write, 1 GiB initial map growing to 1 TiB.
        public init() {}
    }

    /// The options this environment was opened with (``Options/mapSize`` is the initial size).
    public let options: Options
    /// The directory of the environment.
    public let path: String

    private let handle: OpaquePointer
    private let databases: [String: Database]
    private let resizeLock = ReadWriteLock()
    private let writerLock = ReadWriteLock()  // held exclusively: serialises writers

    /// Opens (and, unless read-only, creates) the environment in directory `path` and the named
    /// databases in it.
    ///
    /// - Parameters:
    ///   - path: A directory; created with mode 0700 if missing (not in read-only mode).
    ///   - databases: The named databases to open (created if missing, unless read-only).
    ///   - options: See ``Options``.
    /// - Throws: ``LMDBError``: `ENOENT` when a read-only environment or database does not exist,
    ///   ``LMDBError/invalid`` for a file that is not LMDB, ``LMDBError/versionMismatch``, `EACCES`.
    public init(path: String, databases names: [DatabaseSpec] = [], options: Options = Options()) throws(LMDBError) {
        self.options = options
        self.path = path
        if !options.readOnly {
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw LMDBError(code: errno, context: "mkdir(\(path))")
            }
        }
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: ENOMEM, context: "mdb_env_create") }
        do {
            try check(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs")
            try check(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders")
            try check(mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            var flags = UInt32(MDB_NOTLS)
            if options.readOnly { flags |= UInt32(MDB_RDONLY) }
            if !options.durable { flags |= UInt32(MDB_NOSYNC) }
            try check(mdb_env_open(env, path, flags, options.fileMode), "mdb_env_open(\(path))")
            var dead: Int32 = 0
            _ = mdb_reader_check(env, &dead)
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env

        // Open the named databases once, before any concurrent use (LMDB requires that
        // mdb_dbi_open is not called concurrently).
        var opened: [String: Database] = [:]
        if !names.isEmpty {
            var txn: OpaquePointer?
            let rc = mdb_txn_begin(env, nil, options.readOnly ? UInt32(MDB_RDONLY) : 0, &txn)
            if rc != MDB_SUCCESS { mdb_env_close(env); throw LMDBError(code: rc, context: "mdb_txn_begin") }
            do {
                for spec in names {
                    var dbi: MDB_dbi = 0
                    var f = spec.flags
                    if !options.readOnly { f |= UInt32(MDB_CREATE) }
                    let rc = mdb_dbi_open(txn, spec.name, f, &dbi)
                    // Read-only, an optional database a file written before it existed lacks.
                    if rc == MDB_NOTFOUND && spec.optional { continue }
                    try check(rc, "mdb_dbi_open(\(spec.name))")
                    opened[spec.name] = Database(dbi: dbi, name: spec.name)
                }
                try check(mdb_txn_commit(txn), "mdb_txn_commit")
            } catch {
                mdb_txn_abort(txn)
                mdb_env_close(env)
                throw error
            }
        }
        self.databases = opened
    }

    deinit {
        mdb_env_close(handle)
    }

    /// The named database `name`, opened by ``init(path:databases:options:)``.
    ///
    /// - Throws: ``LMDBError/unknownDatabase`` when it was not in the list given to `init`.
    public func database(_ name: String) throws(LMDBError) -> Database {
        guard let db = databases[name] else {
            var e = LMDBError.unknownDatabase
            e.context = "Environment.database(\(name))"
            throw e
        }
        return db
    }

    /// The current map size in bytes.
    public var mapSize: Int {
        resizeLock.withShared {
            var info = MDB_envinfo()
            mdb_env_info(handle, &info)
            return info.me_mapsize
        }
    }

    /// Runs `body` in a read-only transaction: a consistent snapshot of the last commit as of
    /// the moment the transaction began, unaffected by writes that commit while it runs.
    ///
    /// Keep it short: a long reader stops LMDB from reusing pages. Do not call ``write(_:)`` or
    /// ``grow(to:)`` from inside `body`.
    ///
    /// - Throws: whatever `body` throws, or an ``LMDBError`` from beginning the transaction.
    public func read<R>(_ body: (borrowing ReadTransaction) throws -> R) throws -> R {
        while true {
            do {
                return try resizeLock.withShared { () throws -> R in
                    var txn: OpaquePointer?
                    try check(mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn), "mdb_txn_begin(read)")
                    guard let txn else { throw LMDBError(code: EINVAL, context: "mdb_txn_begin(read)") }
                    defer { mdb_txn_abort(txn) }
                    let t = ReadTransaction(txn)
                    return try body(t)
                }
            } catch LMDBError.mapResized {
                try adoptResizedMap()
            }
        }
    }

    /// Runs `body` in a write transaction and commits it; if `body` throws, nothing is written.
    ///
    /// Writers are serialised. The commit is durable when it returns (unless opened with
    /// ``Options/durable`` off). If the map fills up, the transaction is aborted, the map grows
    /// and **`body` runs again** from the start, so `body` must have no effects outside the
    /// transaction, and must not swallow ``LMDBError/mapFull``.
    ///
    /// Do not call ``read(_:)`` or ``write(_:)`` from inside `body`.
    ///
    /// - Throws: whatever `body` throws; ``LMDBError/openedReadOnly`` in a read-only environment;
    ///   ``LMDBError/mapLimitReached`` when the map may not grow further; other ``LMDBError``s
    ///   from LMDB.
    @available(*, noasync, message: "a write transaction blocks on fsync; run it on a dedicated thread")
    public func write<R>(_ body: (borrowing WriteTransaction) throws -> R) throws -> R {
        if options.readOnly {
            var e = LMDBError.openedReadOnly
            e.context = "Environment.write"
            throw e
        }
        return try writerLock.withExclusive { () throws -> R in
            while true {
                do {
                    return try resizeLock.withShared { () throws -> R in
                        var txn: OpaquePointer?
                        try check(mdb_txn_begin(handle, nil, 0, &txn), "mdb_txn_begin(write)")
                        guard let txn else { throw LMDBError(code: EINVAL, context: "mdb_txn_begin(write)") }
                        let result: R
                        do {
                            let t = WriteTransaction(txn)
                            result = try body(t)
                        } catch {
                            mdb_txn_abort(txn)
                            throw error
                        }
                        // mdb_txn_commit frees the transaction whether or not it succeeds.
                        try check(mdb_txn_commit(txn), "mdb_txn_commit")
                        return result
                    }
                } catch LMDBError.mapFull {
                    try growAfterMapFull()
                } catch LMDBError.mapResized {
                    try adoptResizedMap()
                }
            }
        }
    }

    /// Grows the map to at least `bytes` (rounded up by LMDB to whole pages).
    ///
    /// Waits until no transaction of this process is open. Do not call it from inside a
    /// transaction closure.
    ///
    /// - Throws: ``LMDBError/mapLimitReached`` when `bytes` exceeds ``Options/maxMapSize``, or the
    ///   ``LMDBError`` of `mdb_env_set_mapsize`.
    public func grow(to bytes: Int) throws(LMDBError) {
        guard bytes <= options.maxMapSize else {
            var e = LMDBError.mapLimitReached
            e.context = "Environment.grow"
            throw e
        }
        try resizeLock.withExclusive { () throws(LMDBError) in
            var info = MDB_envinfo()
            mdb_env_info(handle, &info)
            if info.me_mapsize < bytes {
                try check(mdb_env_set_mapsize(handle, bytes), "mdb_env_set_mapsize")
            }
        }
    }

    /// Flushes written data to disk (`mdb_env_sync` with force), for environments opened with
    /// ``Options/durable`` off.
    ///
    /// - Throws: the ``LMDBError`` of `mdb_env_sync`.
    public func sync() throws(LMDBError) {
        try check(mdb_env_sync(handle, 1), "mdb_env_sync")
    }

    /// Writes a consistent, compacted copy of the environment into the empty or new directory
    /// `directory` while readers and writers go on (`mdb_env_copy2` with `MDB_CP_COMPACT`).
    ///
    /// - Throws: the ``LMDBError`` of `mkdir` or `mdb_env_copy2`.
    public func backup(to directory: String) throws(LMDBError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw LMDBError(code: errno, context: "mkdir(\(directory))")
        }
        try resizeLock.withShared { () throws(LMDBError) in
            try check(mdb_env_copy2(handle, directory, UInt32(MDB_CP_COMPACT)), "mdb_env_copy2(\(directory))")
        }
    }

    private func growAfterMapFull() throws(LMDBError) {
        let current = mapSize
        guard current < options.maxMapSize else {
            var e = LMDBError.mapLimitReached
            e.context = "Environment.write"
            throw e
        }
        try grow(to: min(current.multipliedReportingOverflow(by: 2).partialValue, options.maxMapSize))
    }

    private func adoptResizedMap() throws(LMDBError) {
        try resizeLock.withExclusive { () throws(LMDBError) in
            // A size of 0 adopts the size another process recorded in the file.
            try check(mdb_env_set_mapsize(handle, 0), "mdb_env_set_mapsize(0)")
        }
    }
}

/// A named database to open in an ``Environment``, with its LMDB flags.
public struct DatabaseSpec: Sendable, ExpressibleByStringLiteral {
    /// The database name.
    public var name: String
    /// `mdb_dbi_open` flags (for example `MDB_DUPSORT`); `MDB_CREATE` is added automatically.
    public var flags: UInt32
    /// Whether an environment opened read-only may lack it (a file written before the database
    /// was introduced); ``Environment/database(_:)`` then throws ``LMDBError/unknownDatabase``.
    /// A writable environment always creates it.
    public var optional: Bool

    /// A database with the given name and flags.
    public init(_ name: String, flags: UInt32 = 0, optional: Bool = false) {
        self.name = name
        self.flags = flags
        self.optional = optional
    }

    /// A database with default flags (byte-wise sorted unique keys).
    public init(stringLiteral value: String) {
        self.init(value)
    }
}

/// A handle to a named database of an ``Environment``; valid as long as the environment.
public struct Database: Hashable, Sendable {
    let dbi: MDB_dbi
    /// The database name.
    public let name: String
}
