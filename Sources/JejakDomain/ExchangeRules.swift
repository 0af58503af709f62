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
/// | `clear-content` | a `rahasia` exchange's content (and a `terbatas` one's, unless ``SealingRules/allowsClearTerbatas``) is sealed |
/// | `sealed-public` | a `terbuka` exchange's content is public and is not sealed |
/// | `sealed-recipients` | sealed content is sealed to the parties and the oversight units, each with an active recipient |
///
/// After a rejection the provider may deliver again. The life cycle itself is
/// ``ExchangeState``, which the exchanges read model folds too.
public enum ExchangeRules {
    /// Checks `event` of `type` against the stream's state.
    ///
    /// - Throws: ``ValidationFailure`` naming the rule and the stream.
    public static func check(_ event: CloudEvent, type: DomainEventType, stream: StreamState, registry: Registry,
                             sealing: SealingRules = SealingRules()) throws(ValidationFailure) {
        let subject = stream.subject, source = event.source
        func fail(_ rule: String, _ message: String, field: String? = nil) -> ValidationFailure {
            ValidationFailure(rule: rule, message: message + " (stream \(subject))", field: field)
        }
        if type == .exchangeRequested || type == .exchangeDistributed {
            if let opened = ExchangeState(opening: event) {
                try checkSealing(event, type: type, exchange: opened, registry: registry, sealing: sealing, fail: fail)
            }
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
        try checkSealing(event, type: type, exchange: state, registry: registry, sealing: sealing, fail: fail)
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

    /// The sealing rules: a restricted exchange's content is sealed (to the parties and the
    /// oversight units, each with a recipient), a public one's is not.
    private static func checkSealing(_ event: CloudEvent, type: DomainEventType, exchange: ExchangeState, registry: Registry,
                                     sealing: SealingRules, fail: (String, String, String?) -> ValidationFailure) throws(ValidationFailure) {
        let classification = exchange.classification ?? "terbuka"
        let restricted = SealingAudience.restricted.contains(classification)
        // The member's shape and its age header were checked before sequencing
        // (`DomainValidator.checkSealedStructure`): here only its units matter.
        guard let sealedTo = SealedMember.units(in: event.data) else {
            guard restricted, classification == "rahasia" || !sealing.allowsClearTerbatas,
                  let member = sealing.contentMembers[type]?.first(where: { event.data[$0] != nil }) else { return }
            throw fail("clear-content",
                       "the exchange is \(classification): its content (\(member)) is sealed to its parties, not published in the clear",
                       "/data/\(member)")
        }
        guard restricted else {
            throw fail("sealed-public", "the exchange is \(classification) (public): its content is published in the clear, not sealed",
                       "/data/sealed")
        }
        let to = Set(sealedTo.map { ExactText($0) })
        for unit in SealingAudience.units(parties: exchange.parties, registry: registry) where !to.contains(ExactText(unit)) {
            throw fail("sealed-recipients", "the content must be sealed to \(unit) too (the exchange's parties and the oversight units read it)",
                       "/data/sealed/to")
        }
        for (i, unit) in sealedTo.enumerated() where registry.sealingRecipient(of: unit, at: .max) == nil {
            throw fail("sealed-recipients", registry.unit(unit) == nil
                ? "\"\(unit)\" is not a registered unit"
                : "the unit \(unit) has no active encryption recipient to seal to",
                "/data/sealed/to/\(i)")
        }
    }
}

/// The sealing rules' settings, part of the domain validator: which members are content (read
/// from the schemas) and whether `terbatas` content may be published in the clear.
public struct SealingRules: Sendable {
    /// The content members by type (``SchemaCatalog/contentMembers``).
    public var contentMembers: [DomainEventType: [String]]
    /// Whether a `terbatas` exchange may carry its content in the clear (a `rahasia` one never
    /// may). `false` unless set: everyone replaying the log must use the same setting.
    public var allowsClearTerbatas: Bool

    /// Rules with these settings.
    public init(contentMembers: [DomainEventType: [String]] = [:], allowsClearTerbatas: Bool = false) {
        self.contentMembers = contentMembers
        self.allowsClearTerbatas = allowsClearTerbatas
    }
}
