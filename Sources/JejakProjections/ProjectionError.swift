import GRDB
import Jejak
import JejakBase

/// An error of the projection runtime or of a read-model query.
///
/// ```swift
/// do { _ = try await runner.catchUp() } catch {
///     print(error.code, error.message)   // e.g. apply: "exchanges failed at entry 812: …"
/// }
/// ```
public typealias ProjectionError = CodedError<ProjectionErrors>

/// The kind of ``ProjectionError``: its codes are the static members of `ErrorCode<ProjectionErrors>`.
public enum ProjectionErrors: ErrorKind {
}

extension ErrorCode where Kind == ProjectionErrors {
    /// The SQLite file could not be opened or set up.
    public static var database: Self { Self("database") }
    /// A projection failed to apply an entry; the batch's transaction was rolled back.
    public static var apply: Self { Self("apply") }
    /// The ledger could not be read.
    public static var ledger: Self { Self("ledger") }
    /// The read models were built from another log (another origin, or more entries than the
    /// ledger holds).
    public static var wrongLedger: Self { Self("wrongLedger") }
    /// Two projections share a name, or a projection has an invalid name or version.
    public static var configuration: Self { Self("configuration") }
    /// A read-model query failed or was given an invalid argument.
    public static var query: Self { Self("query") }
    /// The read models were built for another reader of sealed content (another unit's
    /// identities, or none) than the one they are opened for now.
    public static var readerMismatch: Self { Self("readerMismatch") }

}

extension CodedError where Kind == ProjectionErrors {
    /// The database failed at `operation`; its error is kept as the cause.
    static func database(_ operation: String, _ error: any Error) -> ProjectionError {
        ProjectionError(.database, "\(operation): \(Self.explain(error))", underlying: error)
    }

    /// One sentence for an error of the database, the ledger or a projection.
    static func explain(_ error: any Error) -> String {
        switch error {
        case let e as DatabaseError: e.message ?? "\(e.resultCode)"
        case let e as ProjectionError: e.message
        case let e as LedgerError: "\(e.message) [\(e.code)]"
        default: "\(error)"
        }
    }
}
