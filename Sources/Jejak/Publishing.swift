import JejakAge
import JejakCrypto
import JejakJSON

/// A unit's one-call publishing API: builds the CloudEvent (with the unit as `source`), signs it
/// with the unit's key, appends it, and returns the receipt.
///
/// ```swift
/// let publisher = UnitPublisher(key: try KeyFile.read(from: "biro-keuangan.key"), ledger: ledger)
/// let receipt = try await publisher.publish(
///     type: "id.go.kpu.jejak.exchange.delivered.v1", subject: "exchange/2026-000123",
///     dataschema: "https://jejak.kpu.go.id/schemas/exchange.delivered.v1.json",
///     data: ["items": []], expecting: .exactly(1))
/// ```
public struct UnitPublisher: Sendable {
    /// The unit's signing key (its name is the unit id).
    public let key: SignerKey
    /// The ledger to publish to.
    public let ledger: Ledger

    /// A publisher for the unit whose key is `key`.
    public init(key: SignerKey, ledger: Ledger) {
        self.key = key
        self.ledger = ledger
    }

    /// Builds and signs an event from this unit, without appending it.
    ///
    /// - Parameters:
    ///   - type: The event type, e.g. `id.go.kpu.jejak.exchange.requested.v1`.
    ///   - subject: The stream, e.g. `exchange/2026-000123`.
    ///   - dataschema: The schema of `data`; the type's default (``defaultSchema(for:)``) if `nil`.
    ///   - data: The event's data.
    ///   - id: The event id (the idempotency key); a random one if `nil`.
    ///   - time: The event's `time` attribute (the publisher's claim; the ledger stamps its own).
    /// - Throws: ``LedgerError/Code/malformedEvent`` for unacceptable attributes.
    public func sign(type: String, subject: String, dataschema: String? = nil, data: JSONValue,
                     id: String? = nil, time: LedgerTime = .now()) throws(LedgerError) -> SignedEvent {
        let event = try CloudEvent.make(
            id: id ?? Self.randomID(), source: key.name, type: type, subject: subject, time: time,
            dataschema: dataschema ?? Self.defaultSchema(for: type), data: data)
        return SignedEvent.sign(event, with: key)
    }

    /// Builds, signs and appends an event from this unit.
    ///
    /// - Returns: The receipt, once the entry is durable.
    /// - Throws: ``LedgerError`` naming the rule broken; nothing is written then.
    public func publish(type: String, subject: String, dataschema: String? = nil, data: JSONValue,
                        id: String? = nil, expecting: ExpectedVersion = .any) async throws(LedgerError) -> Receipt {
        try await ledger.append(try sign(type: type, subject: subject, dataschema: dataschema, data: data, id: id),
                                expecting: expecting)
    }

    /// The default `dataschema` for a type (see ``RegistryEvent/schema(of:)``).
    public static func defaultSchema(for type: String) -> String {
        RegistryEvent.schema(of: type)
    }

    /// A random event id: 32 hex digits (128 bits).
    public static func randomID() -> String {
        var g = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &g) })
    }
}

/// The registry authority's API: builds the signed registry events that register units and add
/// and revoke their keys. Append them with `Ledger.append(_:expecting:)`.
///
/// Registry event ids are derived from their content (`registry/<unit>/registered`,
/// `registry/<unit>/key-added/<key hint>`, …), so the same change can't be recorded twice.
///
/// ```swift
/// let authority = RegistryAuthority(key: authorityKey)
/// try await ledger.append(authority.registerUnit("inspektorat", name: "Inspektorat", role: .inspektorat))
/// ```
public struct RegistryAuthority: Sendable {
    /// The authority's signing key.
    public let key: SignerKey

    /// The authority whose key is `key`.
    public init(key: SignerKey) {
        self.key = key
    }

    /// A signed event registering a unit.
    ///
    /// - Throws: ``LedgerError/Code/registryRule`` for an invalid unit id.
    public func registerUnit(_ id: String, name: String, role: UnitRole, time: LedgerTime = .now()) throws(LedgerError) -> SignedEvent {
        guard RegistryEvent.isValidUnitID(id) else {
            throw LedgerError(.registryRule, "\"\(id)\" is not a valid unit id (1–64 of a-z 0-9 . _ / -)")
        }
        return try event(RegistryEvent.unitRegistered, unit: id, id: "registry/\(id)/registered", time: time,
                         data: ["unit": .string(id), "name": .string(name), "role": .string(role.rawValue)])
    }

    /// A signed event adding `vkey` to the unit it is named after.
    ///
    /// - Throws: ``LedgerError/Code/malformedEvent`` when the key's name is not a valid subject.
    public func addKey(_ vkey: VerifierKey, time: LedgerTime = .now()) throws(LedgerError) -> SignedEvent {
        try event(RegistryEvent.keyAdded, unit: vkey.name, id: "registry/\(vkey.name)/key-added/\(vkey.keyIDHex)", time: time,
                  data: ["unit": .string(vkey.name), "key": .string(vkey.description)])
    }

    /// A signed event revoking `vkey` of the unit it is named after.
    ///
    /// - Throws: ``LedgerError/Code/malformedEvent`` when the key's name is not a valid subject.
    public func revokeKey(_ vkey: VerifierKey, reason: String, time: LedgerTime = .now()) throws(LedgerError) -> SignedEvent {
        try event(RegistryEvent.keyRevoked, unit: vkey.name, id: "registry/\(vkey.name)/key-revoked/\(vkey.keyIDHex)", time: time,
                  data: ["unit": .string(vkey.name), "key": .string(vkey.description), "reason": .string(reason)])
    }

    /// A signed event adding the encryption recipient `recipient` to `unit`: content sealed
    /// to the unit from the next entry on is sealed to it (its newest active recipient).
    ///
    /// - Throws: ``LedgerError/Code/registryRule`` for an invalid unit id.
    public func addRecipient(_ recipient: AgeRecipient, to unit: String, time: LedgerTime = .now()) throws(LedgerError) -> SignedEvent {
        guard RegistryEvent.isValidUnitID(unit) else {
            throw LedgerError(.registryRule, "\"\(unit)\" is not a valid unit id (1–64 of a-z 0-9 . _ / -)")
        }
        return try event(RegistryEvent.recipientAdded, unit: unit, id: "registry/\(unit)/recipient-added/\(recipient)", time: time,
                         data: ["unit": .string(unit), "recipient": .string(recipient.description)])
    }

    /// A signed event revoking the encryption recipient `recipient` of `unit`: nothing is sealed
    /// to it again; what was sealed to it still opens with its identity.
    ///
    /// - Throws: ``LedgerError/Code/registryRule`` for an invalid unit id.
    public func revokeRecipient(_ recipient: AgeRecipient, of unit: String, reason: String, time: LedgerTime = .now()) throws(LedgerError) -> SignedEvent {
        guard RegistryEvent.isValidUnitID(unit) else {
            throw LedgerError(.registryRule, "\"\(unit)\" is not a valid unit id (1–64 of a-z 0-9 . _ / -)")
        }
        return try event(RegistryEvent.recipientRevoked, unit: unit, id: "registry/\(unit)/recipient-revoked/\(recipient)", time: time,
                         data: ["unit": .string(unit), "recipient": .string(recipient.description), "reason": .string(reason)])
    }

    private func event(_ type: String, unit: String, id: String, time: LedgerTime, data: JSONValue) throws(LedgerError) -> SignedEvent {
        let e = try CloudEvent.make(id: id, source: key.name, type: type, subject: RegistryEvent.subject(unit: unit),
                                    time: time, dataschema: RegistryEvent.schema(of: type), data: data)
        return SignedEvent.sign(e, with: key)
    }
}
