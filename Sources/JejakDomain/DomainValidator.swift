import JejakBase
import JejakJSON
import JejakModel
import JejakSchema

/// The KPU exchange domain's validation hook: event types, schemas and the exchange and audit
/// rules. Plug it into a ledger with `Ledger.Options.validator`.
///
/// Before sequencing (in the publisher's task) it refuses an unknown event type, a `dataschema`
/// that is not the type's, a subject outside the type's area, and `data` that fails the type's
/// JSON Schema — naming the field (a JSON Pointer into the event) and the schema keyword.
/// On the writer, in log order, it decides the exchange and audit rules from the stream's
/// earlier events (see ``ExchangeRules`` and ``AuditRules``). Every refusal names its rule;
/// the ledger reports it as `LedgerError` with code `rejectedByValidator`.
///
/// ```swift
/// var options = Ledger.Options()
/// options.validator = try DomainValidator.bundled()
/// let ledger = try Ledger(opening: path, options: options)
/// ```
public struct DomainValidator: EventValidator {
    /// The compiled schemas.
    public let catalog: SchemaCatalog
    /// The sealing rules (which members are content; whether `terbatas` content may be clear).
    public let sealing: SealingRules

    /// A validator using `catalog`; `terbatas` content may be published in the clear only when
    /// `allowsClearTerbatas` is `true`.
    public init(catalog: SchemaCatalog, allowsClearTerbatas: Bool = false) {
        self.catalog = catalog
        self.sealing = SealingRules(contentMembers: catalog.contentMembers, allowsClearTerbatas: allowsClearTerbatas)
    }

    /// A validator using the schemas bundled with this module.
    ///
    /// - Throws: ``DomainError`` when a schema is missing or does not load.
    public static func bundled(allowsClearTerbatas: Bool = false) throws(DomainError) -> DomainValidator {
        DomainValidator(catalog: try SchemaCatalog.bundled(), allowsClearTerbatas: allowsClearTerbatas)
    }

    /// The most schema problems one refusal names.
    public static let violationsShown = 5

    /// Checks the type, `dataschema`, subject, extension attributes and the `data` schema.
    ///
    /// - Throws: ``ValidationFailure`` with rule `unknown-type`, `dataschema-mismatch`,
    ///   `subject-area`, `extension-not-declared` or `schema`.
    public func validate(_ event: CloudEvent) throws(ValidationFailure) {
        guard let type = DomainEventType(rawValue: event.type) else {
            let hint = DomainEventType.closest(to: event.type).map { "; did you mean \($0.rawValue)?" } ?? " (`jejak types` lists them)"
            throw ValidationFailure(rule: "unknown-type", message: "\"\(event.type)\" is not a Jejak event type\(hint)",
                                    field: "/type")
        }
        guard event.dataschema.sameBytes(as: type.schemaID) else {
            throw ValidationFailure(rule: "dataschema-mismatch",
                                    message: "the dataschema of \(type.rawValue) is \(type.schemaID), not \(event.dataschema)",
                                    field: "/dataschema")
        }
        if let prefix = type.subjectPrefix, !event.subject.hasBytePrefix(prefix) || event.subject.utf8.count == prefix.utf8.count {
            throw ValidationFailure(rule: "subject-area",
                                    message: "\(type.rawValue) events belong to a stream \"\(prefix)<id>\", not \"\(event.subject)\"",
                                    field: "/subject")
        }
        if let name = event.extensionNames.first(where: { !type.extensionAttributes.contains(ExactText($0)) }) {
            throw ValidationFailure(rule: "extension-not-declared",
                                    message: "\(type.rawValue) declares no extension attribute \(String(reflecting: String(name.prefix(64)))); everything an event says belongs in its data, under its schema",
                                    field: "/" + name)
        }
        let violations = catalog.validate(type: type, data: event.data)
        if let v = violations.first {
            // Every problem, so that one correction fixes them all; bounded, as a refusal
            // stays one line. The field and keyword are the first problem's.
            let shown = violations.prefix(Self.violationsShown).map { "/data\($0.instanceLocation): \($0.message)" }
            let more = violations.count > Self.violationsShown ? "; and \(violations.count - Self.violationsShown) more" : ""
            let count = violations.count == 1 ? "" : " (\(violations.count) problems)"
            throw ValidationFailure(rule: "schema", message: "\(type.rawValue)\(count): \(shown.joined(separator: "; "))\(more)",
                                    field: "/data" + v.instanceLocation, keyword: v.keyword)
        }
        if case .string(let category)? = event.data["category"], !catalog.categories.contains(category) {
            throw ValidationFailure(rule: "unknown-category", message: Self.unknownCategory(category, in: catalog.categories),
                                    field: "/data/category")
        }
        try Self.checkSealedStructure(event)
    }

    /// "… is not a published data category", with the nearest and (at most 20 of) the list.
    static func unknownCategory(_ category: String, in categories: DataCategories) -> String {
        let ids = categories.categories.map(\.id)
        let given = Array(category.utf8)
        let nearest = ids.map { (id: $0, distance: editDistance(given, Array($0.utf8))) }.min { $0.distance < $1.distance }
        let hint = nearest.flatMap { $0.distance <= 2 ? " (did you mean \($0.id)?)" : nil } ?? ""
        let shown = ids.prefix(20).joined(separator: ", ") + (ids.count > 20 ? ", … (\(ids.count))" : "")
        return "\(String(reflecting: String(category.prefix(64)))) is not a published data category\(hint); the categories are \(shown)"
    }

    /// A sealed member's age file holds one X25519 stanza per unit in `to` (read from its
    /// header; the ledger never opens it).
    static func checkSealedStructure(_ event: CloudEvent) throws(ValidationFailure) {
        let member: SealedMember?
        do { member = try SealedMember.parse(event.data) } catch {
            throw ValidationFailure(rule: "schema", message: error.message, field: "/data/sealed")
        }
        guard let member else { return }
        let types: [String]
        do { types = try member.stanzaTypes() } catch {
            throw ValidationFailure(rule: "sealed-age", message: error.message, field: "/data/sealed/age")
        }
        guard types.count == member.to.count, types.allSatisfy({ $0 == "X25519" }) else {
            throw ValidationFailure(rule: "sealed-age",
                                    message: "the sealed age file has \(types.count) recipient stanzas (\(Set(types).sorted().joined(separator: ", "))) for \(member.to.count) units; it needs one X25519 stanza per unit in \"to\", in order",
                                    field: "/data/sealed/age")
        }
    }

    /// Decides the exchange and audit rules from the stream's earlier events.
    ///
    /// - Throws: ``ValidationFailure`` naming the rule and the stream.
    public func validate(_ event: CloudEvent, stream: StreamState, registry: Registry) throws(ValidationFailure) {
        guard let type = DomainEventType(rawValue: event.type) else { return }
        switch type.area {
        case "exchange": try ExchangeRules.check(event, type: type, stream: stream, registry: registry, sealing: sealing)
        case "audit": try AuditRules.check(event, type: type, stream: stream, registry: registry)
        default: return  // the ledger itself enforces the registry's rules
        }
    }
}

/// Reads the earlier events of a stream for a rule, turning a storage failure into a refusal.
func history(_ stream: StreamState) throws(ValidationFailure) -> [CloudEvent] {
    do { return try stream.events().map(\.event) } catch {
        throw ValidationFailure(rule: "stream-unreadable", message: "the stream \(stream.subject) could not be read: \(error.message)")
    }
}

func string(_ value: JSONValue?) -> String? {
    if case .string(let s)? = value { return s }
    return nil
}
