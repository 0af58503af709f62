import JejakBase

/// Why the demo stopped: the step that failed, in one sentence.
public typealias DemoError = CodedError<DemoErrors>

/// The kind of ``DemoError``: its codes are the static members of `ErrorCode<DemoErrors>`.
public enum DemoErrors: ErrorKind {}

extension ErrorCode where Kind == DemoErrors {
    /// The seeds, the schemas or the demo's directory are not usable.
    public static var input: Self { Self("input") }
    /// The ledger could not be created, read or published to.
    public static var ledger: Self { Self("ledger") }
    /// The Inspektorat's witness could not be made or did not cosign.
    public static var witness: Self { Self("witness") }
    /// The read models could not be built, or their counts differ from the scenario's.
    public static var readModels: Self { Self("readModels") }
    /// The integrity audit found problems.
    public static var findings: Self { Self("findings") }
    /// The audit's report could not be written.
    public static var report: Self { Self("report") }
    /// The export failed.
    public static var export: Self { Self("export") }
}
