import JejakBase
import JejakJSON
import JejakModel

/// The rules of an audit stream (`audit/<id>`), decided from its earlier events:
///
/// | rule | |
/// | --- | --- |
/// | `only-inspektorat` | only a unit with the role `inspektorat` opens audits, records findings and closes audits |
/// | `audit-exists` | opening needs a new stream |
/// | `audited-unit-registered` | the audited unit is a registered unit |
/// | `audit-not-found` | other events need an opened audit |
/// | `audit-closed` | nothing follows the closing |
/// | `finding-exists` | a finding id is recorded once |
/// | `only-audited-unit-follows-up` | the audited unit alone records follow-ups |
/// | `finding-not-found` | a follow-up names a recorded finding |
///
/// The audit's life cycle itself is ``AuditState``.
public enum AuditRules {
    /// Checks `event` of `type` against the stream's state.
    ///
    /// - Throws: ``ValidationFailure`` naming the rule and the stream.
    public static func check(_ event: CloudEvent, type: DomainEventType, stream: StreamState, registry: Registry) throws(ValidationFailure) {
        let subject = stream.subject, source = event.source
        func fail(_ rule: String, _ message: String, field: String? = nil) -> ValidationFailure {
            ValidationFailure(rule: rule, message: message + " (stream \(subject))", field: field)
        }
        if type != .auditFollowUpRecorded, registry.unit(source)?.role != .inspektorat {
            throw fail("only-inspektorat", "only the Inspektorat may publish \(type.rawValue), not \(source)", field: "/source")
        }
        if type == .auditOpened {
            guard stream.version == 0 else {
                throw fail("audit-exists", "\(subject) already holds \(stream.version) events; a new audit needs a new stream")
            }
            let audited = string(event.data["auditedUnit"]) ?? ""
            guard registry.unit(audited) != nil else {
                throw fail("audited-unit-registered", "the audited unit \"\(audited)\" is not registered", field: "/data/auditedUnit")
            }
            return
        }
        guard let state = AuditState.fold(try history(stream)) else {
            throw fail("audit-not-found", "\(type.rawValue) needs an audit opened in \(subject)")
        }
        guard !state.closed else { throw fail("audit-closed", "the audit was closed") }
        let finding = string(event.data["finding"]) ?? ""
        switch type {
        case .auditFindingRecorded:
            guard !state.findings.contains(ExactText(finding)) else {
                throw fail("finding-exists", "the finding \"\(finding)\" is already recorded", field: "/data/finding")
            }
        case .auditFollowUpRecorded:
            guard source.sameBytes(as: state.auditedUnit) else {
                throw fail("only-audited-unit-follows-up", "only the audited unit \(state.auditedUnit) may record follow-ups, not \(source)",
                           field: "/source")
            }
            guard state.findings.contains(ExactText(finding)) else {
                throw fail("finding-not-found", "no finding \"\(finding)\" was recorded", field: "/data/finding")
            }
        default:
            return
        }
    }
}

/// Where an audit stands after its events: the findings recorded, those followed up, and
/// whether it was closed. The rules (``AuditRules``) decide from it what may follow.
public struct AuditState: Hashable, Sendable {
    /// The unit audited.
    public private(set) var auditedUnit: String
    /// The findings recorded, by id (bytes compared).
    public private(set) var findings: Set<ExactText> = []
    /// The findings with at least one follow-up.
    public private(set) var followedUp: Set<ExactText> = []
    /// Whether the audit was closed.
    public private(set) var closed = false

    /// The state an opening of an audit of `auditedUnit` makes.
    public init(auditedUnit: String) {
        self.auditedUnit = auditedUnit
    }

    /// The change an event makes (an opening, or events of other areas, change nothing; nor
    /// does anything after the closing).
    public mutating func apply(_ event: CloudEvent) {
        guard !closed, let type = DomainEventType(rawValue: event.type) else { return }
        switch type {
        case .auditFindingRecorded: if let f = string(event.data["finding"]) { findings.insert(ExactText(f)) }
        case .auditFollowUpRecorded: if let f = string(event.data["finding"]) { followedUp.insert(ExactText(f)) }
        case .auditClosed: closed = true
        default: return
        }
    }

    /// The state after a stream's events, oldest first; `nil` when nothing opened it.
    public static func fold(_ events: some Sequence<CloudEvent>) -> AuditState? {
        var state: AuditState?
        for e in events {
            if DomainEventType(rawValue: e.type) == .auditOpened {
                state = AuditState(auditedUnit: string(e.data["auditedUnit"]) ?? "")
            } else {
                state?.apply(e)
            }
        }
        return state
    }
}
