import CLMDB
import JejakBase
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error returned by LMDB, or a refusal of the storage layer itself.
///
/// It keeps the raw return code (an `MDB_*` code or an `errno` value), the name of that code,
/// LMDB's own message, and the call that failed, so a log line says exactly what happened:
///
/// ```
/// MDB_MAP_FULL (-30792) in mdb_put: Environment mapsize limit reached
/// ```
///
/// Match on the static codes:
///
/// ```swift
/// do { try env.write { … } }
/// catch let e as LMDBError where e.code == LMDBError.mapFull.code { … }
/// ```
public struct LMDBError: JejakError, Hashable {
    /// The raw return code: one of the `MDB_*` codes (negative) or an `errno` value (positive).
    /// Jejak's own refusals use codes above 100,000 (see ``mapLimitReached``).
    public var code: Int32
    /// The symbolic name of ``code``, for example `MDB_MAP_FULL` or `ENOENT`.
    public var name: String
    /// The human-readable text (`mdb_strerror`), or a sentence saying what to do.
    public var message: String
    /// The function that failed, for example `mdb_txn_commit`.
    public var context: String

    /// Creates an error from an LMDB return code.
    public init(code: Int32, context: String) {
        self.code = code
        self.name = Self.name(of: code)
        self.message = String(cString: mdb_strerror(code))
        self.context = context
    }

    init(code: Int32, name: String, message: String, context: String) {
        self.code = code
        self.name = name
        self.message = message
        self.context = context
    }

    public var description: String { "\(name) (\(code)) in \(context): \(message)" }

    /// Two errors are equal when their codes are: the rule broken, not where it was noticed.
    public static func == (a: LMDBError, b: LMDBError) -> Bool { a.code == b.code }

    /// Hashes the code only, consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Returns whether two errors have the same code (whatever their context).
    public static func ~= (pattern: LMDBError, value: any Error) -> Bool {
        (value as? LMDBError)?.code == pattern.code
    }

    /// `MDB_KEYEXIST`: the key/data pair already exists (a put with no-overwrite).
    public static let keyExists = LMDBError(code: MDB_KEYEXIST, context: "")
    /// `MDB_NOTFOUND`: key/data pair not found (end of data).
    public static let notFound = LMDBError(code: MDB_NOTFOUND, context: "")
    /// `MDB_CORRUPTED`: a located page was of the wrong type; the file is damaged.
    public static let corrupted = LMDBError(code: MDB_CORRUPTED, context: "")
    /// `MDB_PANIC`: an update of the meta page failed or the environment had a fatal error.
    public static let panic = LMDBError(code: MDB_PANIC, context: "")
    /// `MDB_VERSION_MISMATCH`: the file was written by an incompatible LMDB version.
    public static let versionMismatch = LMDBError(code: MDB_VERSION_MISMATCH, context: "")
    /// `MDB_INVALID`: the file is not an LMDB file.
    public static let invalid = LMDBError(code: MDB_INVALID, context: "")
    /// `MDB_MAP_FULL`: the environment's map size was reached. ``Environment/write(_:)`` handles
    /// it by growing the map; callers see it only through ``mapLimitReached``.
    public static let mapFull = LMDBError(code: MDB_MAP_FULL, context: "")
    /// `MDB_DBS_FULL`: more named databases were opened than ``Environment/Options/maxDatabases``.
    public static let databasesFull = LMDBError(code: MDB_DBS_FULL, context: "")
    /// `MDB_READERS_FULL`: every reader slot is in use.
    public static let readersFull = LMDBError(code: MDB_READERS_FULL, context: "")
    /// `MDB_TXN_FULL`: the transaction has too many dirty pages.
    public static let transactionFull = LMDBError(code: MDB_TXN_FULL, context: "")
    /// `MDB_MAP_RESIZED`: another process grew the map; ``Environment`` adopts the new size.
    public static let mapResized = LMDBError(code: MDB_MAP_RESIZED, context: "")
    /// `MDB_INCOMPATIBLE`: the operation and the database are incompatible (flags changed).
    public static let incompatible = LMDBError(code: MDB_INCOMPATIBLE, context: "")
    /// `MDB_BAD_VALSIZE`: a key is empty or longer than the maximum key size, or a value size is wrong.
    public static let badValueSize = LMDBError(code: MDB_BAD_VALSIZE, context: "")
    /// `MDB_BAD_TXN`: the transaction must abort, has a child, or is invalid.
    public static let badTransaction = LMDBError(code: MDB_BAD_TXN, context: "")

    /// The map reached ``Environment/Options/maxMapSize`` and may not grow further.
    /// Raise the limit (``Environment/Options/maxMapSize``) or free disk space, then retry.
    public static let mapLimitReached = LMDBError(
        code: 100_001, name: "JEJAK_MAP_LIMIT",
        message: "the database reached its maximum map size; reopen it with a larger maxMapSize",
        context: "")
    /// A named database was used that this environment has not opened.
    public static let unknownDatabase = LMDBError(
        code: 100_002, name: "JEJAK_UNKNOWN_DATABASE",
        message: "no database of that name was opened in this environment", context: "")
    /// A write was asked of an environment this process opened read-only. Its own code, so that
    /// it is never taken for the system's `EACCES` (a file the process may not write).
    public static let openedReadOnly = LMDBError(
        code: 100_003, name: "JEJAK_OPENED_READ_ONLY",
        message: "this environment was opened read-only", context: "")

    static func name(of code: Int32) -> String {
        switch code {
        case MDB_SUCCESS: "MDB_SUCCESS"
        case MDB_KEYEXIST: "MDB_KEYEXIST"
        case MDB_NOTFOUND: "MDB_NOTFOUND"
        case MDB_PAGE_NOTFOUND: "MDB_PAGE_NOTFOUND"
        case MDB_CORRUPTED: "MDB_CORRUPTED"
        case MDB_PANIC: "MDB_PANIC"
        case MDB_VERSION_MISMATCH: "MDB_VERSION_MISMATCH"
        case MDB_INVALID: "MDB_INVALID"
        case MDB_MAP_FULL: "MDB_MAP_FULL"
        case MDB_DBS_FULL: "MDB_DBS_FULL"
        case MDB_READERS_FULL: "MDB_READERS_FULL"
        case MDB_TLS_FULL: "MDB_TLS_FULL"
        case MDB_TXN_FULL: "MDB_TXN_FULL"
        case MDB_CURSOR_FULL: "MDB_CURSOR_FULL"
        case MDB_PAGE_FULL: "MDB_PAGE_FULL"
        case MDB_MAP_RESIZED: "MDB_MAP_RESIZED"
        case MDB_INCOMPATIBLE: "MDB_INCOMPATIBLE"
        case MDB_BAD_RSLOT: "MDB_BAD_RSLOT"
        case MDB_BAD_TXN: "MDB_BAD_TXN"
        case MDB_BAD_VALSIZE: "MDB_BAD_VALSIZE"
        case MDB_BAD_DBI: "MDB_BAD_DBI"
        case ENOENT: "ENOENT"
        case EACCES: "EACCES"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case ENOSPC: "ENOSPC"
        case EIO: "EIO"
        case EINVAL: "EINVAL"
        case EBUSY: "EBUSY"
        case EROFS: "EROFS"
        case EFBIG: "EFBIG"
        case EDQUOT: "EDQUOT"
        default: "errno \(code)"
        }
    }
}

/// Throws an ``LMDBError`` for a non-zero LMDB return code.
@inline(__always)
func check(_ rc: Int32, _ context: @autoclosure () -> String) throws(LMDBError) {
    if rc != MDB_SUCCESS { throw LMDBError(code: rc, context: context()) }
}

extension LMDBError {
    /// The code's name, e.g. `MDB_MAP_FULL`.
    public var codeName: String { name }
    /// LMDB errors wrap nothing.
    public var underlying: (any Error & Sendable)? { nil }
}
