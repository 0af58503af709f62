import Foundation
import Jejak
import JejakJSON
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

    /// Loads and compiles the schema of every event type from `directory`.
    ///
    /// - Throws: ``DomainError`` with code ``DomainError/Code/schemaMissing`` when a type's file
    ///   is missing, ``DomainError/Code/schemaInvalid`` when it does not load (not JSON, an
    ///   unsupported keyword, a `$id` other than the type's `dataschema`).
    public init(directory: String) throws(DomainError) {
        var registry = SchemaRegistry()
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
        }
        var schemas: [DomainEventType: JSONSchema] = [:]
        for type in DomainEventType.allCases {
            do {
                schemas[type] = try registry.schema(type.schemaID, options: SchemaOptions(format: .assertion))
            } catch {
                throw DomainError(.schemaInvalid, "the schema of \(type.rawValue) does not compile: \(error.message)")
            }
        }
        self.schemas = schemas
    }

    /// The schemas shipped with this module (a copy of the repository's `Schemas/`).
    ///
    /// - Throws: as ``init(directory:)``.
    public static func bundled() throws(DomainError) -> SchemaCatalog {
        guard let url = Bundle.module.url(forResource: "Schemas", withExtension: nil) else {
            throw DomainError(.schemaMissing, "the bundled Schemas directory is missing")
        }
        return try SchemaCatalog(directory: url.path)
    }

    /// Validates `data` against the schema of `type`.
    ///
    /// - Returns: The violations, empty when `data` is valid.
    public func validate(type: DomainEventType, data: JSONValue) -> [SchemaViolation] {
        schemas[type]?.validate(data) ?? []
    }
}
