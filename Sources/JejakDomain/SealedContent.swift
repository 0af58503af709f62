import JejakAge
import JejakBase
import JejakCrypto
import JejakJSON
import JejakModel

/// An error sealing or opening the content of an event.
public typealias SealingError = CodedError<SealingErrors>

/// The kind of ``SealingError``: its codes are the static members of `ErrorCode<SealingErrors>`.
public enum SealingErrors: ErrorKind {}

extension ErrorCode where Kind == SealingErrors {
    /// The event's type has no content members to seal (its schema has no `sealedPlaintext`).
    public static var notSealable: Self { Self("notSealable") }
    /// Nothing to seal to: no units, or a unit with no active encryption recipient.
    public static var noRecipient: Self { Self("noRecipient") }
    /// The event's data is not an object, or its `sealed` member is not of the schema's shape.
    public static var malformedSealed: Self { Self("malformedSealed") }
    /// None of the identities opens the sealed content (they are not among its recipients).
    public static var notARecipient: Self { Self("notARecipient") }
    /// The sealed age file does not open: a damaged or forged header or payload (the
    /// underlying ``AgeError`` says which).
    public static var unopenable: Self { Self("unopenable") }
    /// The plaintext is not the schema's `sealedPlaintext` (JSON with `key` and `content`).
    public static var malformedPlaintext: Self { Self("malformedPlaintext") }
    /// The content does not match the commitment the signed event carries.
    public static var commitmentMismatch: Self { Self("commitmentMismatch") }
}

/// The `sealed` member of an exchange event's data: the content members sealed as one age
/// file (C2SP age v1, X25519 recipients) to the units in ``to`` — one stanza each, in that
/// order — and a commitment to the content that anyone can check a disclosure against.
///
/// ```json
/// "sealed": {"to": ["biro-keuangan", "biro-hukum", "inspektorat"],
///            "commitment": "<HMAC-SHA-256, 64 hex>", "age": "<the age file, base64>"}
/// ```
public struct SealedMember: Hashable, Sendable {
    /// The units the content is sealed to, in the order of the age file's stanzas.
    public var to: [String]
    /// HMAC-SHA-256 of the content's canonical JSON under the key sealed with it.
    public var commitment: [UInt8]
    /// The age file (binary).
    public var ageFile: [UInt8]

    /// A sealed member of these parts.
    public init(to: [String], commitment: [UInt8], ageFile: [UInt8]) {
        self.to = to
        self.commitment = commitment
        self.ageFile = ageFile
    }

    /// The `sealed` member of an event's `data`, or `nil` when it has none.
    ///
    /// - Throws: ``SealingError`` with code ``SealingError/Code/malformedSealed`` when the member
    ///   is there but not of the schema's shape.
    public static func parse(_ data: JSONValue) throws(SealingError) -> SealedMember? {
        guard let member = data["sealed"] else { return nil }
        guard case .array(let units)? = member["to"], !units.isEmpty,
              case .string(let commitmentHex)? = member["commitment"], let commitment = Hex.decode(commitmentHex),
              commitment.count == HMACSHA256.tagLength,
              case .string(let age)? = member["age"], let ageFile = Base64.decode(age) else {
            throw SealingError(.malformedSealed, "the sealed member needs \"to\" (unit ids), \"commitment\" (64 hex) and \"age\" (base64)")
        }
        var to: [String] = []
        for unit in units {
            guard case .string(let id) = unit else {
                throw SealingError(.malformedSealed, "the sealed member's \"to\" holds unit ids (strings)")
            }
            to.append(id)
        }
        return SealedMember(to: to, commitment: commitment, ageFile: ageFile)
    }

    /// The units of the `sealed` member of `data` (its `to`, in order), or `nil` when `data`
    /// has no `sealed` member; reads nothing else (no base64 of the age file), for the rules
    /// on the writer, after ``parse(_:)`` checked the whole member before sequencing.
    public static func units(in data: JSONValue) -> [String]? {
        guard let member = data["sealed"] else { return nil }
        guard case .array(let units)? = member["to"] else { return [] }
        return units.compactMap(\.stringValue)
    }

    /// The member as JSON, as it stands in the event's data.
    public var json: JSONValue {
        ["to": .array(to.map { .string($0) }), "commitment": .string(Hex.encode(commitment)), "age": .string(Base64.encode(ageFile))]
    }

    /// The types of the age file's recipient stanzas, in order (`X25519` for each stanza a
    /// Jejak publisher writes), read from its header without opening anything.
    ///
    /// - Throws: ``SealingError/Code/unopenable`` when the header does not parse.
    public func stanzaTypes() throws(SealingError) -> [String] {
        do { return try Age.stanzaTypes(of: ageFile) } catch {
            throw SealingError(.unopenable, "the sealed age file's header does not parse: \(error.message)", underlying: error)
        }
    }
}

/// Content opened from a ``SealedMember``: the content members and the commitment key.
public struct OpenedContent: Sendable {
    /// The content members (a JSON object), as the publisher sealed them.
    public var content: JSONValue
    /// The commitment's HMAC key (32 bytes). Whoever holds it can show the content to others
    /// (a disclosure): keep it with the same care as the content.
    public var key: [UInt8]

    /// Whether the content matches `commitment` (HMAC-SHA-256 of its canonical JSON under ``key``).
    public func matches(_ commitment: some Collection<UInt8>) -> Bool {
        SealedContent.matches(content: content, key: key, commitment: commitment)
    }
}

/// Sealing and opening the content of exchange events.
///
/// What is content is the event type's schema's to say (``SchemaCatalog/contentMembers``); the
/// rest of the data (parties, category, classification, due date) stays public, so that the
/// ledger's rules, overdue tracking and the inspector work on sealed events as on clear ones.
/// The plaintext of the age file is `{"key": "<32 random bytes, base64>", "content": {…}}`; the
/// commitment is HMAC-SHA-256 under that key of the content's canonical JSON (RFC 8785), so a
/// recipient can disclose the content and anyone can check it against the signed event, while
/// nobody without the key can test guesses of short content against the commitment.
///
/// ```swift
/// let data = try SealedContent.seal(clearData, type: .exchangeRequested, catalog: catalog,
///                                   to: [("biro-keuangan", bk), ("biro-hukum", bh), ("inspektorat", ins)])
/// let opened = try SealedContent.open(SealedMember.parse(data)!, with: [identity], as: "biro-hukum")
/// ```
public enum SealedContent {
    /// The commitment to `content` under `key`: HMAC-SHA-256 of its canonical JSON.
    public static func commitment(content: JSONValue, key: some Collection<UInt8>) -> [UInt8] {
        HMACSHA256.authenticate(JSONWriter.canonicalBytes(content), key: key)
    }

    /// Whether `content` matches `commitment` under `key` (compared in constant time).
    public static func matches(content: JSONValue, key: some Collection<UInt8>, commitment: some Collection<UInt8>) -> Bool {
        HMACSHA256.isValid(commitment, for: JSONWriter.canonicalBytes(content), key: key)
    }

    /// `data` (an event's clear data) with its content members sealed: they are removed and a
    /// `sealed` member sealing them to `recipients` (in that order) is appended.
    ///
    /// - Throws: ``SealingError`` with code ``SealingError/Code/notSealable`` when `type` has no
    ///   content members, ``SealingError/Code/noRecipient`` when `recipients` is empty,
    ///   ``SealingError/Code/malformedSealed`` when `data` is not an object or is sealed already.
    public static func seal(_ data: JSONValue, type: DomainEventType, catalog: SchemaCatalog,
                            to recipients: [(unit: String, recipient: AgeRecipient)]) throws(SealingError) -> JSONValue {
        guard let members = catalog.contentMembers[type] else {
            throw SealingError(.notSealable, "\(type.rawValue) has no content to seal")
        }
        guard !recipients.isEmpty else {
            throw SealingError(.noRecipient, "content must be sealed to at least one unit")
        }
        guard case .object(var object) = data, !object.contains(key: "sealed") else {
            throw SealingError(.malformedSealed, "only an event's clear data (an object without \"sealed\") can be sealed")
        }
        var content: [(key: String, value: JSONValue)] = []
        for name in members {
            if let value = object.removeValue(forKey: name) { content.append((name, value)) }
        }
        let contentValue = JSONValue.object(JSONObject(members: content) ?? JSONObject())
        var key = Randomness.bytes(32)
        defer { Secret.wipe(&key) }
        var plaintext = JSONWriter.bytes(["key": .string(Base64.encode(key)), "content": contentValue])
        defer { Secret.wipe(&plaintext) }
        let file: [UInt8]
        do { file = try Age.encrypt(plaintext, to: recipients.map(\.recipient)) } catch {
            throw SealingError(.noRecipient, "the content could not be sealed: \(error.message)", underlying: error)
        }
        let member = SealedMember(to: recipients.map(\.unit), commitment: commitment(content: contentValue, key: key), ageFile: file)
        var out = object.members
        out.append(("sealed", member.json))
        return .object(JSONObject(members: out) ?? object)
    }

    /// Opens `member` with the first of `identities` that is one of its recipients.
    ///
    /// `unit`, when given, is the opener's unit id: its stanza (at its place in
    /// ``SealedMember/to``) is tried first, so that opening costs one X25519 scalar
    /// multiplication however many units the content is sealed to.
    ///
    /// - Throws: ``SealingError`` with code ``SealingError/Code/notARecipient`` when no identity
    ///   opens it, ``SealingError/Code/unopenable`` when the age file is damaged (the underlying
    ///   `AgeError` names how), ``SealingError/Code/malformedPlaintext`` when what it holds is not
    ///   `{"key", "content"}`.
    public static func open(_ member: SealedMember, with identities: [AgeIdentity], as unit: String? = nil) throws(SealingError) -> OpenedContent {
        let preferred = unit.flatMap { u in member.to.firstIndex { $0.sameBytes(as: u) } }
        var plaintext: [UInt8]
        do {
            plaintext = try Age.decrypt(member.ageFile, identities: identities, preferringStanza: preferred)
        } catch where error.code == .noMatch {
            throw SealingError(.notARecipient, "the content is sealed to \(member.to.joined(separator: ", ")), and none of the identities given is theirs",
                               underlying: error)
        } catch {
            throw SealingError(.unopenable, "the sealed content does not open: \(error.message)", underlying: error)
        }
        defer { Secret.wipe(&plaintext) }
        guard case .object(let o)? = try? JSONParser.parse(plaintext), o.count == 2,
              case .string(let keyText)? = o["key"], let key = Base64.decode(keyText), key.count == 32,
              case .object? = o["content"], let content = o["content"] else {
            throw SealingError(.malformedPlaintext, "the sealed plaintext is not {\"key\": <32 bytes, base64>, \"content\": {…}}")
        }
        return OpenedContent(content: content, key: key)
    }

    /// `data` with the sealed member replaced by the opened content members: the event's
    /// data as if it had been published in the clear.
    public static func clearData(_ data: JSONValue, opened: OpenedContent) -> JSONValue {
        guard case .object(var object) = data else { return data }
        _ = object.removeValue(forKey: "sealed")
        var members = object.members
        if case .object(let content) = opened.content { members.append(contentsOf: content.members) }
        return .object(JSONObject(members: members) ?? object)
    }
}

/// Who the content of a restricted exchange is sealed to.
public enum SealingAudience {
    /// The classifications whose content is sealed: `terbatas` and `rahasia`.
    public static let restricted: Set<String> = ["terbatas", "rahasia"]

    /// The oversight units: every registered unit with the role `inspektorat` that has an
    /// active encryption recipient, in the order of their ids. Read from the registry, which
    /// the authority signs, so that anyone replaying the log knows who must be able to read.
    public static func oversight(in registry: Registry) -> [String] {
        registry.units.values
            .filter { $0.role == .inspektorat && registry.sealingRecipient(of: $0.id, at: .max) != nil }
            .map(\.id).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The units an exchange event's content must be sealed to: `parties` (requester and
    /// provider, or a distribution's provider and recipients), then `extra` units, then the
    /// oversight units — each once, in that order.
    public static func units(parties: [String], extra: [String] = [], registry: Registry) -> [String] {
        var seen = Set<ExactText>(), out: [String] = []
        for u in parties + extra + oversight(in: registry) where seen.insert(ExactText(u)).inserted { out.append(u) }
        return out
    }

    /// `units` with the recipient each is sealed to: its newest recipient active now.
    ///
    /// - Throws: ``SealingError/Code/noRecipient`` naming the first unit that has none.
    public static func recipients(of units: [String], in registry: Registry) throws(SealingError) -> [(unit: String, recipient: AgeRecipient)] {
        var out: [(unit: String, recipient: AgeRecipient)] = []
        for u in units {
            guard let r = registry.sealingRecipient(of: u, at: .max) else {
                throw SealingError(.noRecipient, "the unit \"\(u)\" has no encryption recipient to seal to; the registry authority adds one with `jejak unit add-recipient \(u) --recipient age1…`")
            }
            out.append((u, r.recipient))
        }
        return out
    }
}

extension SealedContent {
    /// `data` as a publisher sends it: sealed to the exchange's parties and the oversight units
    /// when the exchange is `terbatas` or `rahasia` and `data` carries content; otherwise as it is.
    ///
    /// - Parameters:
    ///   - data: The event's clear data.
    ///   - type: Its type.
    ///   - source: The publishing unit.
    ///   - exchange: The exchange's state before this event (``ExchangeState/fold(_:)`` of its
    ///     stream); `nil` for an opening event, whose own data says its parties and classification.
    ///   - extra: Units to seal to besides the parties and the oversight units.
    ///   - registry: The registry now (the units' newest active recipients).
    ///   - catalog: The schemas (which members are content).
    /// - Throws: ``SealingError`` with code ``SealingError/Code/noRecipient`` naming a unit that
    ///   has no encryption recipient.
    public static func sealIfRestricted(_ data: JSONValue, type: DomainEventType, source: String, exchange: ExchangeState?,
                                        extra: [String] = [], registry: Registry, catalog: SchemaCatalog) throws(SealingError) -> JSONValue {
        guard let members = catalog.contentMembers[type], data["sealed"] == nil,
              members.contains(where: { data[$0] != nil }) else { return data }
        let state: ExchangeState?
        if type == .exchangeRequested || type == .exchangeDistributed {
            state = ExchangeState(opening: type, by: source, data: data)
        } else {
            state = exchange
        }
        guard let state, SealingAudience.restricted.contains(state.classification ?? "") else { return data }
        let units = SealingAudience.units(parties: state.parties, extra: extra, registry: registry)
        return try seal(data, type: type, catalog: catalog, to: try SealingAudience.recipients(of: units, in: registry))
    }
}
