import JejakBase
import JejakModel

/// The outcome of an integrity audit: what was audited, the verdict and the findings.
///
/// Encodable as JSON (`jejak inspect --json`); ``AuditReport/html`` renders it for people.
public struct AuditReport: Hashable, Sendable, Codable {
    /// The verdict.
    public enum Verdict: String, Hashable, Sendable, Codable {
        /// Every check passed, and the log's latest checkpoint meets the policy's quorum of
        /// witnesses (or the policy requires none).
        case clean
        /// Every check passed, but the policy requires witnesses and the latest checkpoint does
        /// not meet its quorum (``AuditReport/witnessedSize`` says how far the quorum is met,
        /// if at all): the entries after it rest on the log's signature alone, and whoever holds
        /// the log key could have rewritten them. Not the clean verdict.
        case unwitnessed
        /// At least one finding.
        case findings

        /// The verdict for an audit with `findings` findings of a log of `size` entries whose
        /// quorum is met up to `witnessed`, under a policy that does (or does not) require witnesses.
        package static func of(findings: Int, size: UInt64, witnessed: UInt64?, witnessRequired: Bool) -> Verdict {
            if findings > 0 { return .findings }
            return witnessRequired && witnessed != size ? .unwitnessed : .clean
        }
    }

    /// How much was audited.
    public enum Mode: String, Hashable, Sendable, Codable {
        /// Every entry from genesis.
        case full
        /// Only the entries after an earlier audited checkpoint, whose consistency with the
        /// current checkpoint was proved.
        case incremental
        /// Every entry of an export (C2SP tlog-tiles files), checked offline without the ledger.
        case export
    }

    /// Events of one unit.
    public struct UnitStatistics: Hashable, Sendable, Codable {
        /// The unit id (the events' `source`), or the registry authority's name.
        public var unit: String
        /// Events audited.
        public var events: Int
        /// Events with findings.
        public var eventsWithFindings: Int
        /// The distinct keys that signed them.
        public var keys: Int
        /// The first and last entry index.
        public var firstIndex: UInt64
        /// The last entry index.
        public var lastIndex: UInt64
    }

    /// The audit's verdict.
    public var verdict: Verdict
    /// Full or incremental.
    public var mode: Mode
    /// The log's origin.
    public var origin: String
    /// The first entry audited (0 for a full audit).
    public var auditedFrom: UInt64
    /// The size of the audited log: entries `auditedFrom..<auditedTo` were audited.
    public var auditedTo: UInt64
    /// The signed checkpoint of size ``auditedTo`` (the note text), keep it for the next
    /// incremental audit (`--since`).
    public var checkpoint: String?
    /// Stored checkpoints checked.
    public var checkpointsChecked: Int
    /// The largest audited checkpoint whose cosignatures satisfy the policy's quorum (a stored
    /// one, the trusted one, or the earlier audited one of an incremental audit).
    public var witnessedSize: UInt64?
    /// The policy's quorum.
    public var quorum: String
    /// Whether the policy requires witnesses (a quorum other than `none`): then the verdict is
    /// clean only when the latest checkpoint meets it.
    public var witnessRequired: Bool
    /// Signatures verified (events and checkpoints).
    public var signaturesVerified: Int
    /// The size of the trusted (externally held) checkpoint checked, if one was given.
    public var trustedSize: UInt64?
    /// The read-model tables compared, if a read-model database was given.
    public var readModelTables: Int?
    /// The unit whose identities opened sealed content (`inspect --identity`), if any.
    public var sealedReader: String?
    /// The sealed members that unit opened, checked against their schemas and commitments.
    public var sealedOpened: Int?
    /// Every finding, up to the first ``maxFindings``.
    public var findings: [Finding]
    /// The number of findings, also those not listed.
    public var findingCount: Int
    /// Per-unit statistics, by unit id.
    public var units: [UnitStatistics]
    /// When the audit started (RFC 3339).
    public var startedAt: String
    /// How long it took, in seconds.
    public var seconds: Double
    /// What was audited and with what trust, by which tool (set by the program that ran the
    /// audit, which knows the paths; `nil` when it did not say).
    public var provenance: Provenance?

    /// A report from its parts (the inspector and the export verifier make them).
    package init(verdict: Verdict, mode: Mode, origin: String, auditedFrom: UInt64, auditedTo: UInt64, checkpoint: String?,
                 checkpointsChecked: Int, witnessedSize: UInt64?, quorum: String, witnessRequired: Bool,
                 signaturesVerified: Int, trustedSize: UInt64?, readModelTables: Int?, findings: [Finding],
                 findingCount: Int, units: [UnitStatistics], startedAt: String, seconds: Double) {
        self.verdict = verdict
        self.mode = mode
        self.origin = origin
        self.auditedFrom = auditedFrom
        self.auditedTo = auditedTo
        self.checkpoint = checkpoint
        self.checkpointsChecked = checkpointsChecked
        self.witnessedSize = witnessedSize
        self.quorum = quorum
        self.witnessRequired = witnessRequired
        self.signaturesVerified = signaturesVerified
        self.trustedSize = trustedSize
        self.readModelTables = readModelTables
        self.findings = findings
        self.findingCount = findingCount
        self.units = units
        self.startedAt = startedAt
        self.seconds = seconds
    }

    /// Findings kept in a report; the count goes on.
    public static let maxFindings = 10_000

    /// Audited entries per second.
    public var eventsPerSecond: Double {
        guard seconds > 0, auditedTo > auditedFrom else { return 0 }
        return Double(auditedTo - auditedFrom) / seconds
    }

    /// The process exit status for it: 0 clean, 1 findings, 3 no findings but not witnessed as
    /// the policy requires (2 is left to an audit that could not run).
    public var exitCode: Int32 {
        switch verdict {
        case .clean: 0
        case .findings: 1
        case .unwitnessed: 3
        }
    }
}

/// Collects findings up to ``AuditReport/maxFindings``, counting the rest.
package struct FindingSink {
    package private(set) var findings: [Finding] = []
    package private(set) var count = 0
    package private(set) var indexes: Set<UInt64> = []

    package init() {}

    package mutating func add(_ f: Finding) {
        count += 1
        if let i = f.index { indexes.insert(i) }
        if findings.count < AuditReport.maxFindings { findings.append(f) }
    }

    package mutating func add(_ rule: AuditRule, _ message: String, index: UInt64? = nil, eventID: String? = nil,
                      checkpointSize: UInt64? = nil, table: String? = nil) {
        add(Finding(rule: rule.rawValue, message: message, index: index, eventID: eventID,
                    checkpointSize: checkpointSize, table: table))
    }

    package mutating func merge(_ other: FindingSink) {
        for f in other.findings { add(f) }
        count += other.count - other.findings.count
    }
}
