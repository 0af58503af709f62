import JejakBase
import JejakJSON
import JejakModel

/// Every event type of the KPU exchange domain, the ledger's own registry types included.
///
/// A type's name is `id.go.kpu.jejak.<area>.<event>.v<version>`; its `dataschema` is
/// `https://jejak.kpu.go.id/schemas/<area>.<event>.v<version>.json`, the file of that name in
/// `Schemas/`. A new version of a type is a new type (and a new schema file); old events keep
/// validating against the schema they were written with.
public enum DomainEventType: String, CaseIterable, Sendable {
    /// The first entry of a ledger (signed by the registry authority).
    case ledgerGenesis = "id.go.kpu.jejak.ledger.genesis.v1"
    /// A unit is registered (authority).
    case unitRegistered = "id.go.kpu.jejak.registry.unit-registered.v1"
    /// A key is added to a unit (authority).
    case keyAdded = "id.go.kpu.jejak.registry.key-added.v1"
    /// A unit's key is revoked (authority).
    case keyRevoked = "id.go.kpu.jejak.registry.key-revoked.v1"
    /// An encryption (age) recipient is added to a unit (authority).
    case recipientAdded = "id.go.kpu.jejak.registry.recipient-added.v1"
    /// A unit's encryption recipient is revoked (authority).
    case recipientRevoked = "id.go.kpu.jejak.registry.recipient-revoked.v1"

    /// A unit asks another for data (requester → provider); opens an exchange stream.
    case exchangeRequested = "id.go.kpu.jejak.exchange.requested.v1"
    /// The provider delivers the data (items with digests).
    case exchangeDelivered = "id.go.kpu.jejak.exchange.delivered.v1"
    /// The requester accepts a delivery; closes the exchange.
    case exchangeAcknowledged = "id.go.kpu.jejak.exchange.acknowledged.v1"
    /// The requester rejects a delivery, with a reason; the provider may deliver again.
    case exchangeRejected = "id.go.kpu.jejak.exchange.rejected.v1"
    /// The requester withdraws the request; closes the exchange.
    case exchangeWithdrawn = "id.go.kpu.jejak.exchange.withdrawn.v1"
    /// The provider declines the request, with a reason and legal basis; closes the exchange.
    case exchangeDeclined = "id.go.kpu.jejak.exchange.declined.v1"
    /// A provider shares data with a list of recipients without a prior request.
    case exchangeDistributed = "id.go.kpu.jejak.exchange.distributed.v1"

    /// The Inspektorat opens an audit of a unit; opens an audit stream.
    case auditOpened = "id.go.kpu.jejak.audit.opened.v1"
    /// The Inspektorat records a finding.
    case auditFindingRecorded = "id.go.kpu.jejak.audit.finding-recorded.v1"
    /// The audited unit records a follow-up of a finding, with evidence digests.
    case auditFollowUpRecorded = "id.go.kpu.jejak.audit.follow-up-recorded.v1"
    /// The Inspektorat closes the audit.
    case auditClosed = "id.go.kpu.jejak.audit.closed.v1"

    /// The prefix of every Jejak type name.
    public static let prefix = "id.go.kpu.jejak."

    /// The schema's file name in `Schemas/`, e.g. `exchange.requested.v1.json`.
    public var schemaFile: String { String(rawValue.dropFirst(Self.prefix.count)) + ".json" }

    /// The schema's `$id`, which is the events' `dataschema`.
    public var schemaID: String { RegistryEvent.schema(of: rawValue) }

    /// The area: `ledger`, `registry`, `exchange` or `audit`.
    public var area: String { String(rawValue.dropFirst(Self.prefix.count).prefix { $0 != "." }) }

    /// The CloudEvents extension attributes an event of this type may carry (names compared by
    /// their bytes). None of today's types declares one: what an event says belongs in its
    /// `data`, where its schema checks it; a new version of a type may declare one here.
    public var extensionAttributes: Set<ExactText> { [] }

    /// The subject prefix of this area's streams (`exchange/`, `audit/`), or `nil` for the
    /// ledger's own streams.
    public var subjectPrefix: String? {
        switch area {
        case "exchange": "exchange/"
        case "audit": "audit/"
        default: nil
        }
    }
}

extension DomainEventType {
    /// The type whose name is nearest to `name`, for a "did you mean": the one within a few
    /// edits of it (a typo, a missing prefix or version), or `nil` when none is that near.
    ///
    /// ```swift
    /// DomainEventType.closest(to: "id.go.kpu.jejak.exchange.request.v1")   // .exchangeRequested
    /// DomainEventType.closest(to: "exchange.requested")                     // .exchangeRequested
    /// ```
    public static func closest(to name: String) -> DomainEventType? {
        let given = Array(name.utf8.prefix(200))
        var best: (type: DomainEventType, distance: Int)?
        for type in allCases {
            // The name with the common prefix or version left off counts as that near.
            let full = Array(type.rawValue.utf8), short = Array(type.rawValue.dropFirst(prefix.count).utf8)
            let bare = Array(type.rawValue.dropFirst(prefix.count).split(separator: ".").dropLast().joined(separator: ".").utf8)
            let distance = [full, short, bare].map { editDistance(given, $0) }.min() ?? .max
            if distance < (best?.distance ?? .max) { best = (type, distance) }
        }
        guard let best, best.distance <= max(2, given.count / 8) else { return nil }
        return best.type
    }
}

/// The Levenshtein distance between two byte strings.
func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
