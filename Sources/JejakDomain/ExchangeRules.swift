import Jejak
import JejakJSON

/// The rules of an exchange stream (`exchange/<id>`), decided from its earlier events:
///
/// | rule | |
/// | --- | --- |
/// | `exchange-exists` | a request or distribution opens a new stream only |
/// | `exchange-not-found` | other events need an opened exchange |
/// | `provider-registered` | the provider (or each recipient) is a registered unit other than the publisher |
/// | `distribution-final` | nothing follows a distribution |
/// | `exchange-closed` | nothing follows an acknowledgement, a withdrawal or a refusal |
/// | `only-provider-delivers`, `only-provider-declines` | the named provider alone delivers or declines |
/// | `only-requester-acknowledges`, `only-requester-rejects`, `only-requester-withdraws` | the requester alone answers a delivery or withdraws |
/// | `no-delivery-pending` | acknowledging or rejecting needs a delivery not yet answered |
///
/// After a rejection the provider may deliver again.
public enum ExchangeRules {
    /// The state of an exchange after its events so far.
    public struct State: Hashable, Sendable {
        /// How the exchange was opened.
        public enum Kind: Hashable, Sendable { case request, distribution }
        /// Request or distribution.
        public var kind: Kind
        /// The unit that asked (or, for a distribution, the provider).
        public var requester: String
        /// The unit asked to provide (or that distributed).
        public var provider: String
        /// Whether a delivery awaits the requester's answer.
        public var deliveryPending = false
        /// The type of the event that closed the exchange, if closed.
        public var closedBy: DomainEventType?

        /// Folds the events of a stream, oldest first; `nil` for an empty stream.
        public static func fold(_ events: [CloudEvent]) -> State? {
            var state: State?
            for e in events {
                guard let type = DomainEventType(rawValue: e.type) else { continue }
                switch type {
                case .exchangeRequested:
                    state = State(kind: .request, requester: e.source, provider: string(e.data["provider"]) ?? "")
                case .exchangeDistributed:
                    state = State(kind: .distribution, requester: e.source, provider: e.source, closedBy: .exchangeDistributed)
                case .exchangeDelivered: state?.deliveryPending = true
                case .exchangeRejected: state?.deliveryPending = false
                case .exchangeAcknowledged, .exchangeWithdrawn, .exchangeDeclined:
                    state?.deliveryPending = false
                    state?.closedBy = type
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
        if type == .exchangeRequested || type == .exchangeDistributed {
            guard stream.version == 0 else {
                throw fail("exchange-exists", "\(subject) already holds \(stream.version) events; a new exchange needs a new stream")
            }
            if type == .exchangeRequested {
                let provider = string(event.data["provider"]) ?? ""
                guard registry.unit(provider) != nil, !provider.sameBytes(as: source) else {
                    throw fail("provider-registered", "the provider \"\(provider)\" must be a registered unit other than \(source)",
                               field: "/data/provider")
                }
            } else if case .array(let recipients)? = event.data["recipients"] {
                for (i, r) in recipients.enumerated() {
                    let id = string(r) ?? ""
                    guard registry.unit(id) != nil, !id.sameBytes(as: source) else {
                        throw fail("provider-registered", "the recipient \"\(id)\" must be a registered unit other than \(source)",
                                   field: "/data/recipients/\(i)")
                    }
                }
            }
            return
        }
        guard let state = State.fold(try history(stream)) else {
            throw fail("exchange-not-found", "\(type.rawValue) needs an exchange opened by a request, and \(subject) has none")
        }
        if state.kind == .distribution {
            throw fail("distribution-final", "\(subject) is a distribution; nothing may follow it")
        }
        if let closedBy = state.closedBy {
            throw fail("exchange-closed", "\(subject) was closed by \(closedBy.rawValue)")
        }
        switch type {
        case .exchangeDelivered, .exchangeDeclined:
            guard source.sameBytes(as: state.provider) else {
                let rule = type == .exchangeDelivered ? "only-provider-delivers" : "only-provider-declines"
                throw fail(rule, "only the provider \(state.provider) may answer the request, not \(source)", field: "/source")
            }
        case .exchangeAcknowledged, .exchangeRejected, .exchangeWithdrawn:
            guard source.sameBytes(as: state.requester) else {
                let rule = switch type {
                case .exchangeAcknowledged: "only-requester-acknowledges"
                case .exchangeRejected: "only-requester-rejects"
                default: "only-requester-withdraws"
                }
                throw fail(rule, "only the requester \(state.requester) may do this, not \(source)", field: "/source")
            }
            if type != .exchangeWithdrawn && !state.deliveryPending {
                throw fail("no-delivery-pending", "there is no delivery awaiting an answer")
            }
        default:
            return
        }
    }
}
