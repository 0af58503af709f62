import JejakBase

/// The rules an integrity audit checks; each ``Finding`` names one of them.
public enum AuditRule: String, CaseIterable, Codable, Sendable {
    /// The entry is not a Jejak leaf (`{"appended":…,"envelope":…}`, at most 65,535 bytes).
    case leafFormat = "leaf-format"
    /// An entry is missing: the log's indexes are not consecutive from 0 (entries were deleted).
    case missingEntry = "missing-entry"
    /// The envelope or the CloudEvent inside it does not decode.
    case eventFormat = "event-format"
    /// The event's signature does not verify with the key that must have made it.
    case entrySignature = "entry-signature"
    /// The event's source is not a registered unit, or its key was not active at that entry
    /// (not yet added, or already revoked).
    case signerKey = "signer-key"
    /// The first entry is not this log's genesis, or a registry event breaks the registry's rules.
    case registryRule = "registry-rule"
    /// The event breaks a schema or a domain rule (re-decided from the log).
    case domainRule = "domain-rule"
    /// Two entries hold events with the same id.
    case duplicateEventID = "duplicate-event-id"
    /// An entry's `appended` time is earlier than the entry before it.
    case appendedOrder = "appended-order"
    /// The `ids` index disagrees with the entries.
    case idIndex = "id-index"
    /// The `streams` index disagrees with the entries (a version missing, extra or pointing elsewhere).
    case streamIndex = "stream-index"
    /// A stored Merkle node disagrees with the hash recomputed from the entries.
    case merkleNode = "merkle-node"
    /// The stored registry records disagree with the registry replayed from the log.
    case registryRecords = "registry-records"
    /// A stored checkpoint does not parse.
    case checkpointFormat = "checkpoint-format"
    /// A stored checkpoint's log signature is missing or does not verify with the log key.
    case checkpointSignature = "checkpoint-signature"
    /// A witness cosignature on a stored checkpoint does not verify.
    case cosignature = "cosignature"
    /// A stored checkpoint's root differs from the root recomputed from the entries.
    case checkpointRoot = "checkpoint-root"
    /// A checkpoint names a size beyond the log (entries were removed after it was signed), or
    /// the log's last commit has no checkpoint.
    case checkpointSize = "checkpoint-size"
    /// The log is not an append-only extension of a checkpoint held outside it (a rollback,
    /// truncation or fork), or a consistency proof fails.
    case consistency = "consistency"
    /// A read-model row differs from the same read model rebuilt from the log.
    case readModel = "read-model"
    /// Sealed content the auditor's identity should open does not open, does not fit its
    /// schema, or does not match the commitment its event signed.
    case sealedContent = "sealed-content"

    /// One sentence describing the rule.
    public var summary: String {
        switch self {
        case .leafFormat: "every entry is a Jejak leaf"
        case .missingEntry: "the entries are numbered 0, 1, 2, … without a gap"
        case .eventFormat: "every entry holds a well-formed DSSE envelope and CloudEvent"
        case .entrySignature: "every event's signature verifies"
        case .signerKey: "every event is signed by a key of its source active at that entry"
        case .registryRule: "the registry, replayed from genesis under the pinned authority, obeys its rules"
        case .domainRule: "every event is schema-valid and allowed by the domain rules"
        case .duplicateEventID: "event ids are unique"
        case .appendedOrder: "appended times never go backwards"
        case .idIndex: "the ids index agrees with the entries"
        case .streamIndex: "the streams index agrees with the entries, versions without gaps"
        case .merkleNode: "the stored Merkle nodes agree with the entries"
        case .registryRecords: "the stored registry agrees with the log"
        case .checkpointFormat: "every stored checkpoint parses"
        case .checkpointSignature: "every stored checkpoint is signed by the log key"
        case .cosignature: "every witness cosignature verifies"
        case .checkpointRoot: "every stored checkpoint's root is the root of the entries (so consecutive checkpoints are consistent)"
        case .checkpointSize: "no checkpoint names a size beyond the log; the last commit has one"
        case .consistency: "the log extends every trusted checkpoint (no rollback, truncation or fork)"
        case .readModel: "the read models equal a rebuild from the log"
        case .sealedContent: "the sealed content sealed to the auditor opens, fits its schema and matches its commitment"
        }
    }
}
