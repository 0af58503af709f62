import Jejak

/// Why an audit (or a witness) could not run at all — as opposed to a ``Finding``, which is
/// what an audit that ran found wrong.
public struct InspectorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name.
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The ledger could not be opened or read.
        public static let ledger = Code("ledger")
        /// A policy, trusted checkpoint or key given to the audit is unusable.
        public static let input = Code("input")
        /// A read-model database could not be opened, rebuilt or compared.
        public static let readModels = Code("readModels")
        /// A report, export or key file could not be written.
        public static let report = Code("report")
        /// The witness could not be set up, or refused to cosign (the demo).
        public static let witness = Code("witness")
    }

    /// What kind of failure.
    public var code: Code
    /// One sentence saying what went wrong and what to do.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }

    static func ledger(_ what: String, _ error: LedgerError) -> InspectorError {
        InspectorError(.ledger, "\(what): \(error.message)")
    }
}
