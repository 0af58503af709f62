import JejakBase
import JejakModel

/// One integrity violation an audit found: the rule broken and where.
///
/// ```swift
/// for finding in report.findings {
///     print("entry \(finding.index.map(String.init) ?? "-"): [\(finding.rule)] \(finding.message)")
/// }
/// ```
public struct Finding: Hashable, Sendable, Codable {
    /// The rule broken, e.g. `entry-signature` or `checkpoint-root` (see ``AuditRule``).
    public var rule: String
    /// One sentence saying what is wrong.
    public var message: String
    /// The log index of the entry concerned, when one entry is to blame.
    public var index: UInt64?
    /// The id of the event concerned, when it could be read.
    public var eventID: String?
    /// The tree size of the checkpoint concerned, for checkpoint findings.
    public var checkpointSize: UInt64?
    /// The read-model table concerned, for read-model findings.
    public var table: String?

    /// Creates a finding.
    public init(rule: String, message: String, index: UInt64? = nil, eventID: String? = nil,
                checkpointSize: UInt64? = nil, table: String? = nil) {
        self.rule = rule
        self.message = message
        self.index = index
        self.eventID = eventID
        self.checkpointSize = checkpointSize
        self.table = table
    }
}
