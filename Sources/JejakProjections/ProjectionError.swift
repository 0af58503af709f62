import GRDB
import Jejak

/// An error of the projection runtime or of a read-model query.
///
/// ```swift
/// do { _ = try await runner.catchUp() } catch {
///     print(error.code, error.message)   // e.g. apply: "exchanges failed at entry 812: …"
/// }
/// ```
public struct ProjectionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong: the operation or rule that failed.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        init(_ name: String) { self.name = name }
        /// The code's name.
        public var description: String { name }

        /// The SQLite file could not be opened or set up.
        public static let database = Code("database")
        /// A projection failed to apply an entry; the batch's transaction was rolled back.
        public static let apply = Code("apply")
        /// The ledger could not be read.
        public static let ledger = Code("ledger")
        /// The read models were built from another log (another origin, or more entries than the
        /// ledger holds).
        public static let wrongLedger = Code("wrongLedger")
        /// Two projections share a name, or a projection has an invalid name or version.
        public static let configuration = Code("configuration")
        /// A read-model query failed or was given an invalid argument.
        public static let query = Code("query")
    }

    /// What went wrong.
    public var code: Code
    /// One sentence naming the projection or operation and the cause.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message followed by the code, e.g. `… [apply]`.
    public var description: String { "\(message) [\(code)]" }

    static func database(_ operation: String, _ error: any Error) -> ProjectionError {
        ProjectionError(.database, "\(operation): \(Self.explain(error))")
    }

    static func explain(_ error: any Error) -> String {
        switch error {
        case let e as DatabaseError: e.message ?? "\(e.resultCode)"
        case let e as ProjectionError: e.message
        case let e as LedgerError: "\(e.message) [\(e.code)]"
        default: "\(error)"
        }
    }
}
