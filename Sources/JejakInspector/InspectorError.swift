import Jejak
import JejakBase
import JejakVerification

/// Why an audit (or a witness) could not run at all — as opposed to a ``Finding``, which is
/// what an audit that ran found wrong.
public typealias InspectorError = CodedError<InspectorErrors>

/// The kind of ``InspectorError``: its codes are the static members of `ErrorCode<InspectorErrors>`.
public enum InspectorErrors: ErrorKind {
}

extension ErrorCode where Kind == InspectorErrors {
    /// The ledger could not be opened or read.
    public static var ledger: Self { Self("ledger") }
    /// A policy, trusted checkpoint or key given to the audit is unusable.
    public static var input: Self { Self("input") }
    /// A read-model database could not be opened, rebuilt or compared.
    public static var readModels: Self { Self("readModels") }
    /// A report, export or key file could not be written.
    public static var report: Self { Self("report") }
    /// The witness could not be set up, or refused to cosign (the demo).
    public static var witness: Self { Self("witness") }

}

extension CodedError where Kind == InspectorErrors {
    /// The ledger could not do `what`: the ledger's error is kept as the cause.
    static func ledger(_ what: String, _ error: LedgerError) -> InspectorError {
        InspectorError(.ledger, "\(what): \(error.message)", underlying: error)
    }
}
