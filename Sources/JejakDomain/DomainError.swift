import JejakBase

/// An error of the domain layer's own set-up (schemas that are missing or do not load).
///
/// Refusals of events are not thrown as `DomainError`: they are `ValidationFailure`s, which the
/// ledger reports as `LedgerError` with code `rejectedByValidator`.
public typealias DomainError = CodedError<DomainErrors>

/// The kind of ``DomainError``: its codes are the static members of `ErrorCode<DomainErrors>`.
public enum DomainErrors: ErrorKind {
    public static var style: CodedErrorStyle { .plain }
}

extension ErrorCode where Kind == DomainErrors {
    /// A schema file is missing.
    public static var schemaMissing: Self { Self("schemaMissing") }
    /// A schema file does not load or compile.
    public static var schemaInvalid: Self { Self("schemaInvalid") }
    /// Seed data does not load.
    public static var seedInvalid: Self { Self("seedInvalid") }

}
