/// An error of the domain layer's own set-up (schemas that are missing or do not load).
///
/// Refusals of events are not thrown as `DomainError`: they are `ValidationFailure`s, which the
/// ledger reports as `LedgerError` with code `rejectedByValidator`.
public struct DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A schema file is missing.
        public static let schemaMissing = Code("schemaMissing")
        /// A schema file does not load or compile.
        public static let schemaInvalid = Code("schemaInvalid")
        /// Seed data does not load.
        public static let seedInvalid = Code("seedInvalid")
    }

    /// What went wrong.
    public var code: Code
    /// One sentence saying what, and what to do.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
