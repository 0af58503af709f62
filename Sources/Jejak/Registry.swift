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

/// A registered unit.
public struct Unit: Hashable, Sendable {
    /// The unit id: the `source` of its events and the name of its keys.
    public var id: String
    /// The display name, e.g. "Biro Keuangan".
    public var name: String
    /// The unit's role.
    public var role: UnitRole
    /// The log index of the event that registered it.
    public var registeredAt: UInt64
}

/// A key of a unit, with the log indexes at which it was added and (perhaps) revoked.
public struct UnitKey: Hashable, Sendable {
    /// The unit the key belongs to.
    public var unit: String
    /// The key (its name is the unit id).
    public var vkey: VerifierKey
    /// The index of the event that added it.
    public var addedAt: UInt64
    /// The index of the event that revoked it, if it was revoked.
    public var revokedAt: UInt64?

    /// Whether the key may sign the entry at `index`: added before it, and not revoked before it.
    public func isActive(at index: UInt64) -> Bool {
        addedAt < index && (revokedAt.map { index < $0 } ?? true)
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

    /// The registry types (genesis included).
    public static let types: Set<String> = [genesis, unitRegistered, keyAdded, keyRevoked]

    /// The default `dataschema` of an event type: `https://jejak.kpu.go.id/schemas/<type>.json`,
    /// with the `id.go.kpu.jejak.` prefix dropped (e.g. `registry.key-added.v1.json`).
    public static func schema(of type: String) -> String {
        let prefix = "id.go.kpu.jejak."
        let name = type.hasPrefix(prefix) ? String(type.dropFirst(prefix.count)) : type
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
public struct Registry: Hashable, Sendable {
    /// The registry authority's key, pinned out of band and recorded in the genesis entry.
    public let authority: VerifierKey
    /// Units by id.
    public private(set) var units: [String: Unit] = [:]
    /// Keys by their `<unit>+<key id>` hint (the DSSE `keyid`).
    public private(set) var keys: [String: UnitKey] = [:]

    /// An empty registry under `authority`.
    public init(authority: VerifierKey) {
        self.authority = authority
    }

    init(authority: VerifierKey, units: [String: Unit], keys: [String: UnitKey]) {
        self.authority = authority
        self.units = units
        self.keys = keys
    }

    /// The keys of `unit`, oldest first.
    public func keys(of unit: String) -> [UnitKey] {
        keys.values.filter { $0.unit == unit }.sorted { $0.addedAt < $1.addedAt }
    }

    /// The key that must have signed an event from `source` with key id `hint`, to be sequenced
    /// at `index`.
    ///
    /// - Throws: ``LedgerError/Code/unknownSource`` when `source` is neither a registered unit nor
    ///   the authority; ``LedgerError/Code/keyNotActive`` when `hint` is not a key of `source`
    ///   active at `index`.
    public func signingKey(source: String, hint: String, at index: UInt64) throws(LedgerError) -> VerifierKey {
        if source == authority.name {
            guard hint == authority.hint else {
                throw LedgerError(.keyNotActive, "the key \(hint) is not the registry authority's key \(authority.hint)")
            }
            return authority
        }
        guard units[source] != nil else {
            throw LedgerError(.unknownSource, "the source \"\(source)\" is not a registered unit")
        }
        guard let key = keys[hint], key.unit == source else {
            throw LedgerError(.keyNotActive, "the key \(hint) is not a key of unit \"\(source)\"")
        }
        guard key.isActive(at: index) else {
            throw LedgerError(.keyNotActive, "the key \(hint) of unit \"\(source)\" was revoked at entry \(key.revokedAt ?? 0)")
        }
        return key.vkey
    }

    /// Applies a registry event at `index`; events of other types change nothing, but only the
    /// authority may publish registry types and the authority may publish nothing else.
    ///
    /// - Throws: ``LedgerError/Code/registryRule`` naming the rule broken.
    public mutating func apply(_ event: CloudEvent, at index: UInt64) throws(LedgerError) {
        let isRegistryType = RegistryEvent.types.contains(event.type)
        let fromAuthority = event.source == authority.name
        guard isRegistryType == fromAuthority else {
            throw LedgerError(.registryRule, fromAuthority
                ? "the registry authority publishes registry events only, not \"\(event.type)\""
                : "only the registry authority may publish \"\(event.type)\"")
        }
        guard isRegistryType else { return }
        func field(_ name: String) throws(LedgerError) -> String {
            guard case .string(let s)? = event.data[name], !s.isEmpty else {
                throw LedgerError(.registryRule, "the registry event's data needs a non-empty string \"\(name)\"")
            }
            return s
        }
        switch event.type {
        case RegistryEvent.genesis:
            guard index == 0 else {
                throw LedgerError(.registryRule, "a genesis event may only be the first entry of the log")
            }
            guard try field("authority") == authority.description else {
                throw LedgerError(.registryRule, "the genesis event names another authority key than the pinned one")
            }
        case RegistryEvent.unitRegistered:
            let id = try field("unit"), name = try field("name"), roleText = try field("role")
            guard RegistryEvent.isValidUnitID(id), id != authority.name else {
                throw LedgerError(.registryRule, "\"\(id)\" is not a valid unit id (1–64 of a-z 0-9 . _ / -)")
            }
            guard let role = UnitRole(rawValue: roleText) else {
                throw LedgerError(.registryRule, "\"\(roleText)\" is not a role (\(UnitRole.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard units[id] == nil else {
                throw LedgerError(.registryRule, "the unit \"\(id)\" is already registered")
            }
            try checkSubject(event, unit: id)
            units[id] = Unit(id: id, name: name, role: role, registeredAt: index)
        case RegistryEvent.keyAdded:
            let unit = try field("unit")
            let vkey = try parseKey(try field("key"))
            guard units[unit] != nil else {
                throw LedgerError(.registryRule, "a key cannot be added to \"\(unit)\": no such unit is registered")
            }
            guard vkey.name == unit, vkey.type == .ed25519 else {
                throw LedgerError(.registryRule, "a key of unit \"\(unit)\" must be an Ed25519 key named \"\(unit)\", not \(vkey.hint)")
            }
            guard keys[vkey.hint] == nil else {
                throw LedgerError(.registryRule, "the key \(vkey.hint) was already added (a revoked key cannot return)")
            }
            try checkSubject(event, unit: unit)
            keys[vkey.hint] = UnitKey(unit: unit, vkey: vkey, addedAt: index, revokedAt: nil)
        case RegistryEvent.keyRevoked:
            let unit = try field("unit")
            let vkey = try parseKey(try field("key"))
            guard var key = keys[vkey.hint], key.unit == unit, key.vkey == vkey else {
                throw LedgerError(.registryRule, "\(vkey.hint) is not a key of unit \"\(unit)\"")
            }
            guard key.revokedAt == nil else {
                throw LedgerError(.registryRule, "the key \(vkey.hint) is already revoked")
            }
            try checkSubject(event, unit: unit)
            key.revokedAt = index
            keys[vkey.hint] = key
        default:
            throw LedgerError(.registryRule, "unknown registry event type \"\(event.type)\"")
        }
    }

    private func parseKey(_ text: String) throws(LedgerError) -> VerifierKey {
        do { return try VerifierKey(parsing: text) } catch {
            throw LedgerError(.registryRule, "the key is not a valid vkey: \(error.message)")
        }
    }

    private func checkSubject(_ event: CloudEvent, unit: String) throws(LedgerError) {
        guard event.subject == RegistryEvent.subject(unit: unit) else {
            throw LedgerError(.registryRule, "a registry event about \"\(unit)\" belongs to the stream \"\(RegistryEvent.subject(unit: unit))\"")
        }
    }
}
