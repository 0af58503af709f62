import Foundation
import JejakJSON
import JejakModel
import JejakSchema

/// The compiled JSON Schemas of every ``DomainEventType``, loaded from `Schemas/`.
///
/// Formats are asserted (`date`, `date-time`, … must be real dates), and a schema that uses a
/// keyword the validator does not support fails to load.
///
/// ```swift
/// let catalog = try SchemaCatalog.bundled()
/// let violations = catalog.validate(type: .exchangeRequested, data: event.data)
/// ```
public struct SchemaCatalog: Sendable {
    /// The compiled schemas by event type.
    public let schemas: [DomainEventType: JSONSchema]
    /// The schema of the plaintext of a sealed member (`$defs/sealedPlaintext`), by the event
    /// types whose schemas have one: whoever opens sealed content checks it against this.
    public let sealedPlaintextSchemas: [DomainEventType: JSONSchema]
    /// The published data categories (`categories.json` beside the schemas).
    public let categories: DataCategories
    /// What each type's schema asks of its data, in ``DomainEventType`` order.
    public let summaries: [EventTypeSummary]
    /// The content members of each type that can seal them (the members of
    /// `$defs/sealedPlaintext/properties/content`), in the schema's order: what a sealed
    /// event carries only inside its `sealed` member. The other members are public metadata.
    public let contentMembers: [DomainEventType: [String]]

    /// Loads and compiles the schema of every event type from `directory`, and the data
    /// categories (`categories.json`).
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/schemaMissing`` when a type's file
    ///   is missing, ``DomainError/Code/schemaInvalid`` when it does not load (not JSON, an
    ///   unsupported keyword, a `$id` other than the type's `dataschema`).
    public init(directory: String) throws(DomainError) {
        var registry = SchemaRegistry()
        var contentMembers: [DomainEventType: [String]] = [:]
        var summaries: [EventTypeSummary] = []
        for type in DomainEventType.allCases {
            let path = directory + "/" + type.schemaFile
            guard let data = FileManager.default.contents(atPath: path) else {
                throw DomainError(.schemaMissing, "the schema of \(type.rawValue) is missing: \(path)")
            }
            let value: JSONValue
            do { value = try JSONParser.parse([UInt8](data)) } catch {
                throw DomainError(.schemaInvalid, "\(path) is not valid JSON: \(error.message)")
            }
            guard case .string(let id)? = value["$id"], id == type.schemaID else {
                throw DomainError(.schemaInvalid, "\(path) must have \"$id\": \"\(type.schemaID)\"")
            }
            do { _ = try registry.register(value) } catch {
                throw DomainError(.schemaInvalid, "\(path) does not load: \(error.message)")
            }
            summaries.append(EventTypeSummary(type: type, schema: value))
            if case .object(let members)? = value["$defs"]?["sealedPlaintext"]?["properties"]?["content"]?["properties"] {
                contentMembers[type] = members.keys
            }
        }
        var schemas: [DomainEventType: JSONSchema] = [:]
        for type in DomainEventType.allCases {
            do {
                schemas[type] = try registry.schema(type.schemaID, options: SchemaOptions(format: .assertion))
            } catch {
                throw DomainError(.schemaInvalid, "the schema of \(type.rawValue) does not compile: \(error.message)")
            }
        }
        var plaintext: [DomainEventType: JSONSchema] = [:]
        for type in contentMembers.keys {
            do {
                plaintext[type] = try registry.schema(type.schemaID + "#/$defs/sealedPlaintext", options: SchemaOptions(format: .assertion))
            } catch {
                throw DomainError(.schemaInvalid, "the sealed plaintext schema of \(type.rawValue) does not compile: \(error.message)")
            }
        }
        let categoriesPath = directory + "/" + DataCategories.fileName
        guard let categories = FileManager.default.contents(atPath: categoriesPath) else {
            throw DomainError(.schemaMissing, "the data categories are missing: \(categoriesPath)")
        }
        self.categories = try DataCategories(json: [UInt8](categories))
        self.schemas = schemas
        self.summaries = summaries
        self.sealedPlaintextSchemas = plaintext
        self.contentMembers = contentMembers
    }

    /// The schemas shipped with this module (a copy of the repository's `Schemas/`), or those
    /// in the directory named by the environment variable `JEJAK_SCHEMAS`.
    ///
    /// The shipped copy is the `Jejak_JejakDomain.resources` bundle that SwiftPM puts beside the
    /// executable; a binary moved without it needs `JEJAK_SCHEMAS`.
    ///
    /// - Throws: ``DomainError/Code/schemaMissing`` when no schema directory is found; otherwise
    ///   as ``init(directory:)``.
    public static func bundled() throws(DomainError) -> SchemaCatalog {
        guard let directory = bundledDirectory() else {
            throw DomainError(.schemaMissing,
                              "the event schemas were not found beside the program; set JEJAK_SCHEMAS to a copy of Schemas/")
        }
        return try SchemaCatalog(directory: directory)
    }

    /// Where ``bundled()`` loads from, or `nil` if nowhere.
    public static func bundledDirectory() -> String? {
        if let env = ProcessInfo.processInfo.environment["JEJAK_SCHEMAS"], !env.isEmpty { return env }
        return BundledResources.directory("Schemas", inBundle: "Jejak_JejakDomain")
    }

    /// Validates `data` against the schema of `type`.
    ///
    /// - Returns: The violations, empty when `data` is valid.
    public func validate(type: DomainEventType, data: JSONValue) -> [SchemaViolation] {
        schemas[type]?.validate(data) ?? []
    }
}
