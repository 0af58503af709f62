import JejakBase
import JejakJSON
import JejakModel

/// Where an exchange stands after its events: the one state machine of an exchange's life
/// cycle, used by the domain's rules (what may follow, decided on the writer and again by the
/// inspector) and by the exchanges read model (the row each exchange gets).
///
/// ```
/// requested ──delivered──▶ delivered ──acknowledged──▶ acknowledged (closed)
///     │   ▲                    │
///     │   └────delivered───── rejected ◀──rejected──┘
///     ├──declined──▶ declined (closed)
///     └──withdrawn─▶ withdrawn (closed; also from delivered and rejected)
/// distributed (closed from the start)
/// ```
///
/// ``apply(_:)`` makes the transition an event's type names; whether the event was allowed is
/// the rules' question (``ExchangeRules``), decided before it was appended. A closed exchange
/// stays closed whatever follows (a damaged log cannot reopen it).
///
/// ```swift
/// var state = ExchangeState(opening: .exchangeRequested, by: "biro-a", provider: "biro-b")
/// state?.apply(.exchangeDelivered)
/// state?.status          // .delivered
/// state?.deliveryPending // true
/// ```
public struct ExchangeState: Hashable, Sendable {
    /// How the exchange was opened.
    public enum Kind: String, Hashable, Sendable {
        /// A unit asked another for data.
        case request
        /// A provider shared data without a request.
        case distribution
    }

    /// Where the exchange stands (as the read model's `exchanges.status` writes it).
    public enum Status: String, CaseIterable, Hashable, Sendable, Codable {
        /// Requested, waiting for the provider's delivery (open).
        case requested
        /// Delivered, waiting for the requester's answer (open).
        case delivered
        /// The delivery was rejected; waiting for the provider to deliver again (open).
        case rejected
        /// The requester accepted a delivery (closed).
        case acknowledged
        /// The provider declined the request (closed).
        case declined
        /// The requester withdrew the request (closed).
        case withdrawn
        /// Data shared without a request (closed).
        case distributed

        /// Whether the exchange still awaits an answer.
        public var isOpen: Bool { self == .requested || self == .delivered || self == .rejected }
        /// Whether the exchange waits for its provider (it can become overdue).
        public var awaitsProvider: Bool { self == .requested || self == .rejected }
    }

    /// Request or distribution.
    public private(set) var kind: Kind
    /// The unit that asked (for a distribution, the provider).
    public private(set) var requester: String
    /// The unit asked to provide (for a distribution, the distributing unit).
    public private(set) var provider: String
    /// Where the exchange stands.
    public private(set) var status: Status
    /// Deliveries so far.
    public private(set) var deliveries: Int64
    /// Rejected deliveries so far.
    public private(set) var rejections: Int64
    /// The classification the opening event gave (`terbuka`, `terbatas`, `rahasia`), if it
    /// was read from that event; it decides whether the exchange's content is sealed.
    public private(set) var classification: String?
    /// A distribution's recipients (empty for a request).
    public private(set) var recipients: [String] = []

    /// The units party to the exchange, whose content is sealed to them: the requester and
    /// the provider, or a distribution's provider and its recipients.
    public var parties: [String] { kind == .request ? [requester, provider] : [provider] + recipients }

    /// A state as stored (a read-model row read back).
    public init(kind: Kind, requester: String, provider: String, status: Status, deliveries: Int64, rejections: Int64) {
        self.kind = kind
        self.requester = requester
        self.provider = provider
        self.status = status
        self.deliveries = deliveries
        self.rejections = rejections
    }

    /// The state an opening event makes: a request by `source` to `provider`, or a
    /// distribution by `source`; `nil` for any other type.
    public init?(opening type: DomainEventType, by source: String, provider: String?) {
        switch type {
        case .exchangeRequested:
            self.init(kind: .request, requester: source, provider: provider ?? "", status: .requested, deliveries: 0, rejections: 0)
        case .exchangeDistributed:
            self.init(kind: .distribution, requester: source, provider: source, status: .distributed, deliveries: 0, rejections: 0)
        default:
            return nil
        }
    }

    /// The state an opening event makes (see ``init(opening:by:provider:)``), reading the
    /// provider from its `data`.
    public init?(opening event: CloudEvent) {
        guard let type = DomainEventType(rawValue: event.type) else { return nil }
        self.init(opening: type, by: event.source, data: event.data)
    }

    /// The state an opening event of `type` by `source` with `data` makes (provider, recipients
    /// and classification read from `data`); `nil` for any other type.
    public init?(opening type: DomainEventType, by source: String, data: JSONValue) {
        self.init(opening: type, by: source, provider: data["provider"]?.stringValue)
        classification = data["classification"]?.stringValue
        if case .array(let r)? = data["recipients"] { recipients = r.compactMap(\.stringValue) }
    }

    /// Whether a delivery awaits the requester's answer.
    public var deliveryPending: Bool { status == .delivered }
    /// Whether the exchange still awaits an answer.
    public var isOpen: Bool { status.isOpen }
    /// The type of the event that closed the exchange, if closed.
    public var closedBy: DomainEventType? {
        switch status {
        case .acknowledged: .exchangeAcknowledged
        case .declined: .exchangeDeclined
        case .withdrawn: .exchangeWithdrawn
        case .distributed: .exchangeDistributed
        case .requested, .delivered, .rejected: nil
        }
    }

    /// The transition an event of `type` makes (openings and types of other areas change
    /// nothing; neither does anything after the exchange closed).
    public mutating func apply(_ type: DomainEventType) {
        guard isOpen else { return }
        switch type {
        case .exchangeDelivered:
            status = .delivered
            deliveries += 1
        case .exchangeRejected:
            status = .rejected
            rejections += 1
        case .exchangeAcknowledged: status = .acknowledged
        case .exchangeDeclined: status = .declined
        case .exchangeWithdrawn: status = .withdrawn
        default: return
        }
    }

    /// The state after a stream's events, oldest first: the first opening starts it (a second
    /// one, which the rules refuse, starts it again); `nil` when nothing opened it.
    public static func fold(_ events: some Sequence<CloudEvent>) -> ExchangeState? {
        var state: ExchangeState?
        for e in events {
            guard let type = DomainEventType(rawValue: e.type) else { continue }
            if type == .exchangeRequested || type == .exchangeDistributed, let opened = ExchangeState(opening: e) {
                state = opened
            } else {
                state?.apply(type)
            }
        }
        return state
    }
}
