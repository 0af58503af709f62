import JejakAge
import JejakBase
import JejakCrypto
import JejakJSON

/// The role of a unit of the election commission.
public enum UnitRole: String, CaseIterable, Hashable, Sendable {
    /// A bureau (Biro) of the KPU secretariat.
    case biro
    /// The Inspectorate (Inspektorat): audits, and witnesses checkpoints.
    case inspektorat
    /// The data centre (Pusdatin), which operates the ledger.
    case pusdatin
    /// A provincial election commission.
    case kpuProvinsi = "kpu-provinsi"
    /// A regency or city election commission.
    case kpuKabkota = "kpu-kabkota"
    /// A party outside the KPU.
    case external
}

/// A registered unit. Units are equal when their fields are, texts compared by their bytes
/// (see `ExactText`).
public struct Unit: Hashable, Sendable {
    /// The unit id: the `source` of its events and the name of its keys.
    public var id: String
    /// The display name, e.g. "Biro Keuangan".
    public var name: String
    /// The unit's role.
    public var role: UnitRole
    /// The log index of the event that registered it.
    public var registeredAt: UInt64

    /// A unit as registered at `registeredAt`.
    public init(id: String, name: String, role: UnitRole, registeredAt: UInt64) {
        self.id = id
        self.name = name
        self.role = role
        self.registeredAt = registeredAt
    }

    public static func == (a: Unit, b: Unit) -> Bool {
        a.id.sameBytes(as: b.id) && a.name.sameBytes(as: b.name) && a.role == b.role && a.registeredAt == b.registeredAt
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ExactText(id))
        hasher.combine(registeredAt)
    }
}

/// A key of a unit, with the log indexes at which it was added and (perhaps) revoked. Equal
/// when their fields are, the unit id compared by its bytes.
public struct UnitKey: Hashable, Sendable {
    /// The unit the key belongs to.
    public var unit: String
    /// The key (its name is the unit id).
    public var vkey: VerifierKey
    /// The index of the event that added it.
    public var addedAt: UInt64
    /// The index of the event that revoked it, if it was revoked.
    public var revokedAt: UInt64?

    /// A key of `unit`, added at `addedAt` and revoked at `revokedAt` (if it was).
    public init(unit: String, vkey: VerifierKey, addedAt: UInt64, revokedAt: UInt64?) {
        self.unit = unit
        self.vkey = vkey
        self.addedAt = addedAt
        self.revokedAt = revokedAt
    }

    /// Whether the key may sign the entry at `index`: added before it, and not revoked before it.
    public func isActive(at index: UInt64) -> Bool {
        addedAt < index && (revokedAt.map { index < $0 } ?? true)
    }

    public static func == (a: UnitKey, b: UnitKey) -> Bool {
        a.unit.sameBytes(as: b.unit) && a.vkey == b.vkey && a.addedAt == b.addedAt && a.revokedAt == b.revokedAt
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ExactText(unit))
        hasher.combine(vkey)
        hasher.combine(addedAt)
    }
}

/// An encryption recipient of a unit (a C2SP age X25519 recipient, `age1…`), with the log
/// indexes at which it was added and (perhaps) revoked. Content sealed to the unit is sealed to
/// its newest recipient active at the event's index (``Registry/sealingRecipient(of:at:)``); the
/// unit keeps the matching identity (`AGE-SECRET-KEY-1…`) to itself.
public struct UnitRecipient: Hashable, Sendable {
    /// The unit the recipient belongs to.
    public var unit: String
    /// The age recipient.
    public var recipient: AgeRecipient
    /// The index of the event that added it.
    public var addedAt: UInt64
    /// The index of the event that revoked it, if it was revoked.
    public var revokedAt: UInt64?

    /// A recipient of `unit`, added at `addedAt` and revoked at `revokedAt` (if it was).
    public init(unit: String, recipient: AgeRecipient, addedAt: UInt64, revokedAt: UInt64?) {
        self.unit = unit
        self.recipient = recipient
        self.addedAt = addedAt
        self.revokedAt = revokedAt
    }

    /// Whether content of the entry at `index` may be sealed to it: added before it, and not
    /// revoked before it.
    public func isActive(at index: UInt64) -> Bool {
        addedAt < index && (revokedAt.map { index < $0 } ?? true)
    }

    public static func == (a: UnitRecipient, b: UnitRecipient) -> Bool {
        a.unit.sameBytes(as: b.unit) && a.recipient == b.recipient && a.addedAt == b.addedAt && a.revokedAt == b.revokedAt
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ExactText(unit))
        hasher.combine(recipient)
        hasher.combine(addedAt)
    }
}

/// The event types of the ledger itself and of the unit registry, their subjects and schemas.
public enum RegistryEvent {
    /// The first entry of every ledger, signed by the registry authority: `{"origin", "log", "authority"}`.
    public static let genesis = "id.go.kpu.jejak.ledger.genesis.v1"
    /// A unit is registered: `{"unit", "name", "role"}`.
    public static let unitRegistered = "id.go.kpu.jejak.registry.unit-registered.v1"
    /// A key is added to a unit: `{"unit", "key": "<vkey>"}`.
    public static let keyAdded = "id.go.kpu.jejak.registry.key-added.v1"
    /// A key of a unit is revoked: `{"unit", "key": "<vkey>", "reason"}`.
    public static let keyRevoked = "id.go.kpu.jejak.registry.key-revoked.v1"
    /// An encryption recipient is added to a unit: `{"unit", "recipient": "age1…"}`.
    public static let recipientAdded = "id.go.kpu.jejak.registry.recipient-added.v1"
    /// An encryption recipient of a unit is revoked: `{"unit", "recipient": "age1…", "reason"}`.
    public static let recipientRevoked = "id.go.kpu.jejak.registry.recipient-revoked.v1"

    /// The registry types (genesis included).
    public static let types: Set<ExactText> = [
        ExactText(genesis), ExactText(unitRegistered), ExactText(keyAdded), ExactText(keyRevoked),
        ExactText(recipientAdded), ExactText(recipientRevoked),
    ]

    /// Whether `type` is one of the registry's types (bytes compared).
    public static func isRegistryType(_ type: String) -> Bool { types.contains(ExactText(type)) }

    /// The default `dataschema` of an event type: `https://jejak.kpu.go.id/schemas/<type>.json`,
    /// with the `id.go.kpu.jejak.` prefix dropped (e.g. `registry.key-added.v1.json`).
    public static func schema(of type: String) -> String {
        let prefix = "id.go.kpu.jejak."
        let name = type.hasBytePrefix(prefix) ? String(decoding: type.utf8.dropFirst(prefix.utf8.count), as: UTF8.self) : type
        return "https://jejak.kpu.go.id/schemas/\(name).json"
    }

    /// The subject (stream) of the genesis event.
    public static let genesisSubject = "ledger/genesis"

    /// The subject (stream) of a unit's registry events: `registry/<unit id>`.
    public static func subject(unit: String) -> String { "registry/" + unit }

    /// Whether `id` is a valid unit id: 1–64 characters from `a-z 0-9 . _ / -`, starting and
    /// ending with a letter or digit (it is also the name of the unit's keys).
    public static func isValidUnitID(_ id: String) -> Bool {
        let u = Array(id.utf8)
        guard (1...64).contains(u.count) else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) }
        guard let f = u.first, let l = u.last, alnum(f), alnum(l) else { return false }
        return u.allSatisfy { alnum($0) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2f || $0 == 0x2d }
    }
}

/// The unit registry: units and their keys, derived from the registry events of the log.
///
/// Whether a signature is acceptable is decided by the registry as it stood at that entry's
/// index (``UnitKey/isActive(at:)``), so history stays verifiable after a key is revoked.
/// Unit ids and key hints are compared by their bytes (`ExactText`), as the log's indexes are.
public struct Registry: Hashable, Sendable {
    /// The registry authority's key, pinned out of band and recorded in the genesis entry.
    public let authority: VerifierKey
    /// Units by id.
    public private(set) var units: [ExactText: Unit] = [:]
    /// Keys by their `<unit>+<key id>` hint (the DSSE `keyid`).
    public private(set) var keys: [ExactText: UnitKey] = [:]
    /// Encryption recipients by their `age1…` string.
    public private(set) var recipients: [ExactText: UnitRecipient] = [:]

    /// An empty registry under `authority`.
    public init(authority: VerifierKey) {
        self.authority = authority
    }

    /// A registry as stored (the ledger's derived records, read back).
    package init(authority: VerifierKey, units: [ExactText: Unit], keys: [ExactText: UnitKey],
                 recipients: [ExactText: UnitRecipient] = [:]) {
        self.authority = authority
        self.units = units
        self.keys = keys
        self.recipients = recipients
    }

    /// The unit registered as `id` (bytes compared), if any.
    public func unit(_ id: String) -> Unit? { units[ExactText(id)] }

    /// The key whose hint (`<unit>+<key id>`) is `hint` (bytes compared), if any.
    public func key(hint: String) -> UnitKey? { keys[ExactText(hint)] }

    /// The keys of `unit`, oldest first.
    public func keys(of unit: String) -> [UnitKey] {
        keys.values.filter { $0.unit.sameBytes(as: unit) }.sorted { $0.addedAt < $1.addedAt }
    }

    /// The encryption recipients of `unit`, oldest first.
    public func recipients(of unit: String) -> [UnitRecipient] {
        recipients.values.filter { $0.unit.sameBytes(as: unit) }.sorted { $0.addedAt < $1.addedAt }
    }

    /// The recipient content of the entry at `index` is sealed to for `unit`: its newest
    /// recipient active at `index`, or `nil` when it has none (then nothing can be sealed to it).
    public func sealingRecipient(of unit: String, at index: UInt64) -> UnitRecipient? {
        recipients.values.filter { $0.unit.sameBytes(as: unit) && $0.isActive(at: index) }.max { $0.addedAt < $1.addedAt }
    }

    /// Whether `source` is the registry authority's name (bytes compared).
    public func isAuthority(_ source: String) -> Bool { source.sameBytes(as: authority.name) }

    /// The key that must have signed an event from `source` with key id `hint`, to be sequenced
    /// at `index`.
    ///
    /// - Throws: ``LedgerError/Code/unknownSource`` when `source` is neither a registered unit nor
    ///   the authority; ``LedgerError/Code/keyNotActive`` when `hint` is not a key of `source`
    ///   active at `index`.
    public func signingKey(source: String, hint: String, at index: UInt64) throws(LedgerError) -> VerifierKey {
        if isAuthority(source) {
            guard hint.sameBytes(as: authority.hint) else {
                throw LedgerError(.keyNotActive, "the key \(hint) is not the registry authority's key \(authority.hint)")
            }
            return authority
        }
        guard unit(source) != nil else {
            throw LedgerError(.unknownSource, "the source \"\(source)\" is not a registered unit; the registry authority registers it "
                              + "(`jejak unit register \(source) --name NAME --role ROLE`) and adds its key (`jejak unit add-key \(source) --vkey KEY`)")
        }
        guard let key = key(hint: hint), key.unit.sameBytes(as: source) else {
            let owner = key(hint: hint).map { " (it is a key of unit \"\($0.unit)\")" } ?? ""
            throw LedgerError(.keyNotActive, "the key \(hint) is not a key of unit \"\(source)\"\(owner); the registry authority adds it "
                              + "(`jejak unit add-key \(source) --vkey KEY`, KEY being the .vkey `jejak key generate` printed)")
        }
        guard key.isActive(at: index) else {
            throw LedgerError(.keyNotActive, "the key \(hint) of unit \"\(source)\" was revoked at entry \(key.revokedAt ?? 0); sign with "
                              + "one of its active keys (`jejak unit list`) or have the authority add a new one (`jejak unit add-key \(source)`)")
        }
        return key.vkey
    }

    /// Applies a registry event at `index`; events of other types change nothing, but only the
    /// authority may publish registry types and the authority may publish nothing else.
    ///
    /// - Throws: ``LedgerError/Code/registryRule`` naming the rule broken.
    public mutating func apply(_ event: CloudEvent, at index: UInt64) throws(LedgerError) {
        let isRegistryType = RegistryEvent.isRegistryType(event.type)
        let fromAuthority = isAuthority(event.source)
        guard isRegistryType == fromAuthority else {
            throw LedgerError(.registryRule, fromAuthority
                ? "the registry authority publishes registry events only, not \"\(event.type)\""
                : "only the registry authority may publish \"\(event.type)\"")
        }
        guard isRegistryType else { return }
        if let name = event.extensionNames.first {
            throw LedgerError(.registryRule, "a registry event carries no extension attributes, and this one has \(quoted(name))")
        }
        func field(_ name: String) throws(LedgerError) -> String {
            guard case .string(let s)? = event.data[name], !s.isEmpty else {
                throw LedgerError(.registryRule, "the registry event's data needs a non-empty string \"\(name)\"")
            }
            return s
        }
        switch ExactText(event.type) {
        case ExactText(RegistryEvent.genesis):
            guard index == 0 else {
                throw LedgerError(.registryRule, "a genesis event may only be the first entry of the log")
            }
            guard try field("authority").sameBytes(as: authority.description) else {
                throw LedgerError(.registryRule, "the genesis event names another authority key than the pinned one")
            }
        case ExactText(RegistryEvent.unitRegistered):
            let id = try field("unit"), name = try field("name"), roleText = try field("role")
            guard RegistryEvent.isValidUnitID(id), !isAuthority(id) else {
                throw LedgerError(.registryRule, "\"\(id)\" is not a valid unit id (1–64 of a-z 0-9 . _ / -)")
            }
            guard let role = UnitRole(rawValue: roleText) else {
                throw LedgerError(.registryRule, "\"\(roleText)\" is not a role (\(UnitRole.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard unit(id) == nil else {
                throw LedgerError(.registryRule, "the unit \"\(id)\" is already registered")
            }
            try checkSubject(event, unit: id)
            units[ExactText(id)] = Unit(id: id, name: name, role: role, registeredAt: index)
        case ExactText(RegistryEvent.keyAdded):
            let unit = try field("unit")
            let vkey = try parseKey(try field("key"))
            guard self.unit(unit) != nil else {
                throw LedgerError(.registryRule, "a key cannot be added to \"\(unit)\": no such unit is registered")
            }
            guard vkey.name.sameBytes(as: unit), vkey.type == .ed25519 else {
                throw LedgerError(.registryRule, "a key of unit \"\(unit)\" must be an Ed25519 key named \"\(unit)\", not \(vkey.hint)")
            }
            guard key(hint: vkey.hint) == nil else {
                throw LedgerError(.registryRule, "the key \(vkey.hint) was already added (a revoked key cannot return)")
            }
            // One raw key, one unit, once: the same public key under another name would let
            // whoever holds it sign as two units, or bring a revoked key back.
            if vkey.publicKey == authority.publicKey {
                throw LedgerError(.registryRule, "the key \(vkey.hint) is the registry authority's own key; a unit needs a key of its own")
            }
            if let other = keys.values.first(where: { $0.vkey.publicKey == vkey.publicKey }) {
                throw LedgerError(.registryRule, other.revokedAt == nil
                    ? "the key \(vkey.hint) is the same public key as \(other.vkey.hint), already a key of unit \"\(other.unit)\"; each unit needs a key of its own"
                    : "the key \(vkey.hint) is the same public key as \(other.vkey.hint), revoked at entry \(other.revokedAt ?? 0); a revoked key cannot return")
            }
            try checkSubject(event, unit: unit)
            keys[ExactText(vkey.hint)] = UnitKey(unit: unit, vkey: vkey, addedAt: index, revokedAt: nil)
        case ExactText(RegistryEvent.keyRevoked):
            let unit = try field("unit")
            let vkey = try parseKey(try field("key"))
            guard var key = key(hint: vkey.hint), key.unit.sameBytes(as: unit), key.vkey == vkey else {
                throw LedgerError(.registryRule, "\(vkey.hint) is not a key of unit \"\(unit)\"")
            }
            guard key.revokedAt == nil else {
                throw LedgerError(.registryRule, "the key \(vkey.hint) is already revoked")
            }
            try checkSubject(event, unit: unit)
            key.revokedAt = index
            keys[ExactText(vkey.hint)] = key
        case ExactText(RegistryEvent.recipientAdded):
            let unit = try field("unit")
            let recipient = try parseRecipient(try field("recipient"))
            guard self.unit(unit) != nil else {
                throw LedgerError(.registryRule, "a recipient cannot be added to \"\(unit)\": no such unit is registered")
            }
            // One recipient, one unit, once: a recipient shared by two units would let either
            // read what is sealed to the other, and a revoked one must never be sealed to again.
            if let other = recipients[ExactText(recipient.description)] {
                throw LedgerError(.registryRule, other.revokedAt == nil
                    ? "the recipient \(recipient) is already a recipient of unit \"\(other.unit)\""
                    : "the recipient \(recipient) was revoked at entry \(other.revokedAt ?? 0); a revoked recipient cannot return")
            }
            try checkSubject(event, unit: unit)
            recipients[ExactText(recipient.description)] = UnitRecipient(unit: unit, recipient: recipient, addedAt: index, revokedAt: nil)
        case ExactText(RegistryEvent.recipientRevoked):
            let unit = try field("unit")
            let recipient = try parseRecipient(try field("recipient"))
            guard var r = recipients[ExactText(recipient.description)], r.unit.sameBytes(as: unit) else {
                throw LedgerError(.registryRule, "\(recipient) is not a recipient of unit \"\(unit)\"")
            }
            guard r.revokedAt == nil else {
                throw LedgerError(.registryRule, "the recipient \(recipient) is already revoked")
            }
            try checkSubject(event, unit: unit)
            r.revokedAt = index
            recipients[ExactText(recipient.description)] = r
        default:
            throw LedgerError(.registryRule, "unknown registry event type \"\(event.type)\"")
        }
    }

    private func parseKey(_ text: String) throws(LedgerError) -> VerifierKey {
        do { return try VerifierKey(parsing: text) } catch {
            throw LedgerError(.registryRule, "the key is not a valid vkey: \(error.message)")
        }
    }

    private func parseRecipient(_ text: String) throws(LedgerError) -> AgeRecipient {
        do { return try AgeRecipient(parsing: text) } catch {
            throw LedgerError(.registryRule, "the recipient is not a valid age X25519 recipient (age1…): \(error.message)")
        }
    }

    private func checkSubject(_ event: CloudEvent, unit: String) throws(LedgerError) {
        guard event.subject.sameBytes(as: RegistryEvent.subject(unit: unit)) else {
            throw LedgerError(.registryRule, "a registry event about \"\(unit)\" belongs to the stream \"\(RegistryEvent.subject(unit: unit))\"")
        }
    }
}
