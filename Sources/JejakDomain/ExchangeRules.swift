import JejakBase
import JejakJSON
import JejakModel

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
/// After a rejection the provider may deliver again. The life cycle itself is
/// ``ExchangeState``, which the exchanges read model folds too.
public enum ExchangeRules {
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
        guard let state = ExchangeState.fold(try history(stream)) else {
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
