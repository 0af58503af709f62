import JejakJSON
import Testing

@testable import JejakSchema

@Suite("Schema registry")
struct RegistryTests {
    @Test func registersByIdAndCompilesByURI() throws {
        var registry = SchemaRegistry()
        let id = try registry.register(json(EventSchemas.common))
        #expect(id == "https://jejak.example/schemas/common/v1.json")
        #expect(registry.contains(id))
        #expect(registry.identifiers == [id])
        let digest = try registry.schema(id + "#/$defs/digest")
        #expect(digest.isValid(.string(String(repeating: "0", count: 64))))
        #expect(!digest.isValid("0"))
        #expect(digest.id == nil)
        let byAnchor = try registry.schema(id + "#digest")
        #expect(!byAnchor.isValid("0"))
    }

    @Test func registeringIsIdempotentButNotOverwriting() throws {
        var registry = SchemaRegistry()
        try registry.register(json(EventSchemas.common))
        try registry.register(json(EventSchemas.common))
        #expect(registry.identifiers.count == 1)
        let changed = EventSchemas.common.replacingOccurrences(of: "128", with: "64")
        #expect(schemaError { try registry.register(json(changed)) }?.code == .duplicateIdentifier)
    }

    @Test func registrationNeedsAnAbsoluteURI() throws {
        var registry = SchemaRegistry()
        #expect(schemaError { try registry.register(json(#"{"type": "string"}"#)) }?.code == .unknownSchema)
        #expect(
            schemaError { try registry.register(json(#"{"type": "string"}"#), uri: "relative.json") }?.code
                == .unknownSchema)
        let uri = try registry.register(json(#"{"type": "string"}"#), uri: "https://jejak.example/s.json")
        #expect(uri == "https://jejak.example/s.json")
    }

    @Test func registrationChecksTheDocumentButNotItsReferences() throws {
        var registry = SchemaRegistry()
        // A forward reference is fine at registration…
        try registry.register(json(#"{"$id": "https://jejak.example/a.json", "$ref": "b.json"}"#))
        // …but a malformed document is not.
        let error = schemaError {
            try registry.register(json(#"{"$id": "https://jejak.example/bad.json", "maxLength": "ten"}"#))
        }
        #expect(error?.code == .invalidKeywordValue)
        #expect(error?.document == "https://jejak.example/bad.json")
        #expect(error?.pointer == "/maxLength")
        #expect(throws: SchemaError.self) { try registry.schema("https://jejak.example/a.json") }
        try registry.register(json(#"{"$id": "https://jejak.example/b.json", "type": "integer"}"#))
        let a = try registry.schema("https://jejak.example/a.json")
        #expect(a.isValid(1))
        #expect(!a.isValid("1"))
    }

    @Test func unknownSchema() {
        let registry = SchemaRegistry()
        do {
            _ = try registry.schema("https://jejak.example/none.json")
            Issue.record("compiled a schema that is not registered")
        } catch {
            #expect(error.code == .unknownSchema)
        }
    }

    @Test func compiledSchemaOutlivesRegistryChanges() throws {
        var registry = try EventSchemas.registry()
        let schema = try JSONSchema(json(EventSchemas.delivered), registry: registry)
        registry = SchemaRegistry()
        #expect(schema.isValid(try json(EventSchemas.validData)))
        #expect(registry.identifiers.isEmpty)
    }

    @Test func schemaWithoutRegistryCannotReachOthers() throws {
        #expect(loadError(EventSchemas.delivered)?.code == .unresolvableReference)
    }

    @Test func embeddedResourcesAndAnchorsAreAddressable() throws {
        var registry = SchemaRegistry()
        try registry.register(
            json(
                ##"""
                {"$id": "https://jejak.example/bundle.json",
                 "$defs": {"date": {"$id": "date.json", "type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
                           "id": {"$anchor": "unit", "type": "string", "minLength": 3}}}
                """##))
        let schema = try compile(
            #"{"properties": {"d": {"$ref": "https://jejak.example/date.json"}, "u": {"$ref": "https://jejak.example/bundle.json#unit"}}}"#,
            registry: registry)
        #expect(schema.isValid(try json(#"{"d": "2026-01-02", "u": "abc"}"#)))
        #expect(!schema.isValid(try json(#"{"d": "2026-1-2"}"#)))
        #expect(!schema.isValid(try json(#"{"u": "ab"}"#)))
    }
}

extension String {
    /// Replaces every occurrence of `target` (test helper; no Foundation needed).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
