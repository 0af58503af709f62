import JejakJSON

/// What an event type's schema asks of its `data`, for a person writing one (`jejak types`):
/// its title, its stream and its members.
public struct EventTypeSummary: Hashable, Sendable {
    /// The type.
    public let type: DomainEventType
    /// The schema's title (Indonesian / English).
    public let title: String
    /// The members `data` must have.
    public let required: [String]
    /// The members `data` must have unless its content is sealed (then they are inside the
    /// sealed member).
    public let requiredUnlessSealed: [String]
    /// The other members it may have.
    public let optional: [String]

    /// The stream an event of the type goes in, e.g. `exchange/<id>`.
    public var stream: String { type.subjectPrefix.map { $0 + "<id>" } ?? "the ledger's own" }

    /// The summary of `type`'s schema.
    init(type: DomainEventType, schema: JSONValue) {
        func names(_ value: JSONValue?) -> [String] {
            guard case .array(let items)? = value else { return [] }
            return items.compactMap(\.stringValue)
        }
        self.type = type
        self.title = schema["title"]?.stringValue ?? type.rawValue
        self.required = names(schema["required"])
        let sealedCondition = names(schema["if"]?["required"]) == ["sealed"]
        self.requiredUnlessSealed = sealedCondition ? names(schema["else"]?["required"]) : []
        let all: [String]
        if case .object(let members)? = schema["properties"] { all = members.keys } else { all = [] }
        let named = Set(required + requiredUnlessSealed)
        self.optional = all.filter { !named.contains($0) }
    }
}
