import Jejak
import JejakJSON

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
public enum AuditRules {
    /// The state of an audit after its events so far.
    public struct State: Hashable, Sendable {
        /// The unit audited.
        public var auditedUnit: String
        /// The findings recorded, by id (bytes compared).
        public var findings: Set<ExactText> = []
        /// The findings with at least one follow-up.
        public var followedUp: Set<ExactText> = []
        /// Whether the audit was closed.
        public var closed = false

        /// Folds the events of a stream, oldest first; `nil` for an empty stream.
        public static func fold(_ events: [CloudEvent]) -> State? {
            var state: State?
            for e in events {
                switch DomainEventType(rawValue: e.type) {
                case .auditOpened?: state = State(auditedUnit: string(e.data["auditedUnit"]) ?? "")
                case .auditFindingRecorded?: if let f = string(e.data["finding"]) { state?.findings.insert(ExactText(f)) }
                case .auditFollowUpRecorded?: if let f = string(e.data["finding"]) { state?.followedUp.insert(ExactText(f)) }
                case .auditClosed?: state?.closed = true
                default: continue
                }
            }
            return state
        }
    }

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
        guard let state = State.fold(try history(stream)) else {
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
