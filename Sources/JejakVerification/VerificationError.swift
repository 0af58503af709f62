import JejakBase

/// Why a verification could not run at all — as opposed to a ``Finding``, which is what a
/// verification that ran found wrong: an export without a readable checkpoint, or a policy
/// with no log for its origin.
public typealias VerificationError = CodedError<VerificationErrors>

/// The kind of ``VerificationError``: its codes are the static members of
/// `ErrorCode<VerificationErrors>`.
public enum VerificationErrors: ErrorKind {}

extension ErrorCode where Kind == VerificationErrors {
    /// What was given to verify, or to verify against, is not usable (the message says why).
    public static var input: Self { Self("input") }
}

extension ErrorCode where Kind == VerificationErrors {
    /// A signed audit report is not one (not a DSSE envelope of a report), or no signature on
    /// it verifies with the key given.
    public static var reportSignature: Self { Self("reportSignature") }
}
