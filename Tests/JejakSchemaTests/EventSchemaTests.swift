import JejakJSON
import Testing

@testable import JejakSchema

/// A realistic pair of ledger schemas: shared definitions and the `data` of an
/// "exchange delivered" event that refers to them across documents.
enum EventSchemas {
    static let common = ##"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://jejak.example/schemas/common/v1.json",
          "title": "Definisi bersama / Shared definitions",
          "$defs": {
            "unitId": {"type": "string", "pattern": "^[a-z0-9-]+(/[a-z0-9-]+)*$", "maxLength": 128},
            "digest": {"$anchor": "digest", "type": "string", "pattern": "^[0-9a-f]{64}$"},
            "classification": {"enum": ["terbuka", "terbatas", "rahasia"]},
            "item": {
              "type": "object",
              "required": ["name", "mediaType", "size", "digest"],
              "additionalProperties": false,
              "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "mediaType": {"type": "string", "pattern": "^[a-z]+/[a-zA-Z0-9.+-]+$"},
                "size": {"type": "integer", "minimum": 0},
                "digest": {"$ref": "#digest"},
                "content": {"type": "string", "maxLength": 4096}
              }
            }
          }
        }
        """##

    static let delivered = ##"""
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "$id": "https://jejak.example/schemas/exchange-delivered/v1.json",
          "title": "Data diserahkan / Exchange delivered",
          "type": "object",
          "required": ["exchangeId", "requester", "provider", "deliveredAt", "classification", "attempt", "items"],
          "additionalProperties": false,
          "properties": {
            "exchangeId": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{6}$"},
            "requester": {"$ref": "../common/v1.json#/$defs/unitId"},
            "provider": {"$ref": "https://jejak.example/schemas/common/v1.json#/$defs/unitId"},
            "deliveredAt": {"type": "string", "format": "date-time"},
            "dueDate": {"type": "string", "format": "date"},
            "classification": {"$ref": "../common/v1.json#/$defs/classification"},
            "note": {"type": "string", "maxLength": 2000},
            "attempt": {"type": "integer", "minimum": 1},
            "onTime": {"type": "boolean"},
            "items": {
              "type": "array", "minItems": 1, "maxItems": 100,
              "items": {"$ref": "../common/v1.json#/$defs/item"}
            }
          }
        }
        """##

    static let validData = ##"""
        {
          "exchangeId": "2026-000123",
          "requester": "kpu-ri/biro-hukum",
          "provider": "kpu-ri/pusdatin",
          "deliveredAt": "2026-03-14T09:30:00.000Z",
          "dueDate": "2026-03-15",
          "classification": "terbatas",
          "note": "Pengiriman data DPT tahap 2 untuk Provinsi Jawa Barat",
          "attempt": 2,
          "onTime": true,
          "items": [
            {"name": "dpt-jabar.csv", "mediaType": "text/csv", "size": 1048576,
             "digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
            {"name": "berita-acara.pdf", "mediaType": "application/pdf", "size": 204800,
             "digest": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}
          ]
        }
        """##

    static func registry() throws -> SchemaRegistry {
        var registry = SchemaRegistry()
        try registry.register(json(common))
        try registry.register(json(delivered))
        return registry
    }

    static func schema(format: SchemaOptions.FormatMode = .assertion) throws -> JSONSchema {
        try registry().schema("https://jejak.example/schemas/exchange-delivered/v1.json", options: SchemaOptions(format: format))
    }
}

@Suite("A realistic event data schema")
struct EventSchemaTests {
    @Test func validDataHasNoViolations() throws {
        let schema = try EventSchemas.schema()
        let data = try json(EventSchemas.validData)
        #expect(schema.isValid(data))
        #expect(schema.validate(data) == [])
        #expect(schema.id == "https://jejak.example/schemas/exchange-delivered/v1.json")
    }

    /// Applies a change to the valid data and returns the violations.
    func violations(_ change: (inout JSONObject) -> Void) throws -> [SchemaViolation] {
        var object = try #require(try json(EventSchemas.validData).objectValue)
        change(&object)
        let schema = try EventSchemas.schema()
        let violations = schema.validate(.object(object))
        #expect(schema.isValid(.object(object)) == violations.isEmpty)
        return violations
    }

    @Test func badDigestIsReportedAtItsPointer() throws {
        let found = try violations { data in
            data["items"] = [
                ["name": "a.csv", "mediaType": "text/csv", "size": 1, "digest": "xyz"],
            ]
        }
        #expect(found.count == 1)
        let violation = try #require(found.first)
        #expect(violation.instanceLocation == "/items/0/digest")
        #expect(violation.keyword == "pattern")
        #expect(violation.keywordLocation == "/properties/items/items/$ref/properties/digest/$ref/pattern")
        #expect(violation.absoluteKeywordLocation == "https://jejak.example/schemas/common/v1.json#/$defs/digest/pattern")
        #expect(violation.message == #""xyz" does not match pattern ^[0-9a-f]{64}$"#)
        #expect(violation.description == #"/items/0/digest: "xyz" does not match pattern ^[0-9a-f]{64}$"#)
    }

    @Test func manyViolationsEachAtTheRightPlace() throws {
        let found = try violations { data in
            data["exchangeId"] = 123
            data["requester"] = "KPU RI"
            data.removeValue(forKey: "provider")
            data["deliveredAt"] = "2026-02-30T10:00:00Z"
            data["dueDate"] = "15/03/2026"
            data["classification"] = "sangat rahasia"
            data["attempt"] = 0
            data["extra"] = true
            data["items"] = [
                ["name": "", "mediaType": "text/csv", "size": -1, "digest": .string(String(repeating: "a", count: 64))],
                ["name": "b.pdf", "mediaType": "application/pdf", "size": 1.5, "note": "x"],
            ]
        }
        let summary = Set(found.map { "\($0.instanceLocation) \($0.keyword)" })
        let expected: Set<String> = [
                " required",  // provider
                "/extra additionalProperties",
                "/exchangeId type",
                "/requester pattern",
                "/deliveredAt format",
                "/dueDate format",
                "/classification enum",
                "/attempt minimum",
                "/items/0/name minLength",
                "/items/0/size minimum",
                "/items/1 required",
                "/items/1/size type",
                "/items/1/note additionalProperties",
            ]
        #expect(summary == expected)
        #expect(found.count == expected.count)
        var byLocation: [String: SchemaViolation] = [:]
        for violation in found { byLocation[violation.instanceLocation + " " + violation.keyword] = violation }
        #expect(byLocation[" required"]?.message == #"required property "provider" is missing"#)
        #expect(byLocation["/extra additionalProperties"]?.message == #"property "extra" is not allowed"#)
        #expect(byLocation["/extra additionalProperties"]?.keywordLocation == "/additionalProperties")
        #expect(byLocation["/exchangeId type"]?.message == "expected string, found integer 123")
        #expect(byLocation["/deliveredAt format"]?.message == #""2026-02-30T10:00:00Z" is not a valid date-time: expected YYYY-MM-DDThh:mm:ss with Z or ±hh:mm (RFC 3339), e.g. 2026-12-31T23:59:59+07:00"#)
        #expect(byLocation["/classification enum"]?.message == #""sangat rahasia" is not one of "terbuka", "terbatas", "rahasia""#)
        #expect(byLocation["/classification enum"]?.keywordLocation == "/properties/classification/$ref/enum")
        #expect(byLocation["/attempt minimum"]?.message == "0 is less than the minimum 1")
        #expect(byLocation["/items/1 required"]?.message == #"required property "digest" is missing"#)
        #expect(byLocation["/items/1/size type"]?.message == "expected integer, found number 1.5")
        #expect(byLocation["/items/0/name minLength"]?.message == #""" is shorter than 1 character"#)
    }

    @Test func formatIsOnlyAnAnnotationByDefault() throws {
        var object = try #require(try json(EventSchemas.validData).objectValue)
        object["deliveredAt"] = "yesterday"
        #expect(try EventSchemas.schema(format: .annotation).isValid(.object(object)))
        #expect(try !EventSchemas.schema(format: .assertion).isValid(.object(object)))
    }

    @Test func maximumViolationsCapsTheList() throws {
        let schema = try compile(#"{"items": {"type": "string"}}"#)
        let many = JSONValue.array(Array(repeating: 1, count: 500))
        #expect(schema.validate(many).count == 100)
        #expect(schema.validate(many, maximumViolations: 3).count == 3)
        #expect(schema.validate(many, maximumViolations: 0).count == 1)
        #expect(schema.validate(many, maximumViolations: 3).map(\.instanceLocation) == ["/0", "/1", "/2"])
    }

    @Test func compiledSchemasAreSendable() async throws {
        let schema = try EventSchemas.schema()
        let data = try json(EventSchemas.validData)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<16 {
                group.addTask { (0..<50).allSatisfy { _ in schema.isValid(data) && schema.validate(data).isEmpty } }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results == Array(repeating: true, count: 16))
    }
}

@Suite("Validation details")
struct ValidationDetailTests {
    @Test func messagesForEveryKeyword() throws {
        let cases: [(schema: String, instance: String, keyword: String, message: String)] = [
            (#"{"const": "a"}"#, #""b""#, "const", #""b" is not the constant "a""#),
            (#"{"maximum": 3}"#, "4", "maximum", "4 is greater than the maximum 3"),
            (#"{"exclusiveMinimum": 3}"#, "3", "exclusiveMinimum", "3 is not greater than the exclusive minimum 3"),
            (#"{"exclusiveMaximum": 3}"#, "3.0", "exclusiveMaximum", "3.0 is not less than the exclusive maximum 3"),
            (#"{"multipleOf": 0.1}"#, "0.35", "multipleOf", "0.35 is not a multiple of 0.1"),
            (#"{"maxLength": 2}"#, #""abc""#, "maxLength", #""abc" is longer than 2 characters"#),
            (#"{"minItems": 2}"#, "[1]", "minItems", "the array has 1 item, fewer than 2"),
            (#"{"maxItems": 1}"#, "[1, 2]", "maxItems", "the array has 2 items, more than 1"),
            (#"{"uniqueItems": true}"#, "[1, 2, 1.0]", "uniqueItems", "items 0 and 2 are equal, but items must be unique"),
            (#"{"contains": {"const": 1}}"#, "[2]", "contains", "no item matches the contains schema"),
            (#"{"contains": {"const": 1}, "minContains": 2}"#, "[1]", "minContains",
             "only 1 item matches the contains schema, fewer than minContains 2"),
            (#"{"contains": {"const": 1}, "maxContains": 1}"#, "[1, 1]", "maxContains",
             "2 items match the contains schema, more than maxContains 1"),
            (#"{"minProperties": 1}"#, "{}", "minProperties", "the object has 0 properties, fewer than 1"),
            (#"{"maxProperties": 0}"#, #"{"a": 1}"#, "maxProperties", "the object has 1 properties, more than 0"),
            (#"{"dependentRequired": {"a": ["b"]}}"#, #"{"a": 1}"#, "dependentRequired",
             #"property "b" is required when "a" is present"#),
            (#"{"anyOf": [{"type": "string"}, {"type": "null"}]}"#, "1", "anyOf", "1 matches none of the 2 anyOf alternatives"),
            (#"{"oneOf": [{"type": "number"}, {"type": "integer"}]}"#, "1", "oneOf",
             "1 matches 2 oneOf alternatives (0, 1), not exactly one"),
            (#"{"not": {"type": "integer"}}"#, "1", "not", "1 must not match the schema in not"),
            (#"{"propertyNames": {"pattern": "^[a-z]+$"}}"#, #"{"Ab": 1}"#, "pattern", #""Ab" does not match pattern ^[a-z]+$"#),
            (#"{"prefixItems": [true], "items": false}"#, "[1, 2]", "items", "item 1 is not allowed"),
            (#"{"unevaluatedProperties": false, "properties": {"a": true}}"#, #"{"a": 1, "b": 2}"#, "unevaluatedProperties",
             #"property "b" is not allowed"#),
            (#"{"if": {"type": "string"}, "then": {"minLength": 2}}"#, #""a""#, "minLength", #""a" is shorter than 2 characters"#),
            (#"{"type": ["string", "null"]}"#, "true", "type", "expected null or string, found boolean true"),
        ]
        for c in cases {
            let schema = try compile(c.schema)
            let found = schema.validate(try json(c.instance))
            #expect(found.count == 1, "\(c.schema) \(found)")
            #expect(found.first?.keyword == c.keyword, "\(c.schema)")
            #expect(found.first?.message == c.message, "\(c.schema)")
        }
    }

    @Test func unevaluatedPropertiesAcrossComposition() throws {
        let schema = try compile(
            ##"""
            {"$defs": {"base": {"properties": {"id": {"type": "string"}}, "required": ["id"]}},
             "allOf": [{"$ref": "#/$defs/base"}],
             "properties": {"name": {"type": "string"}},
             "unevaluatedProperties": false}
            """##)
        #expect(schema.isValid(try json(#"{"id": "a", "name": "b"}"#)))
        let found = schema.validate(try json(#"{"id": "a", "nmae": "b"}"#))
        #expect(found.map(\.instanceLocation) == ["/nmae"])
        #expect(found.first?.keywordLocation == "/unevaluatedProperties")
    }

    @Test func keyLocationsAreEscaped() throws {
        let schema = try compile(#"{"properties": {"a/b": {"properties": {"c~d": {"type": "string"}}}}}"#)
        let found = schema.validate(try json(#"{"a/b": {"c~d": 1}}"#))
        #expect(found.first?.instanceLocation == "/a~1b/c~0d")
        #expect(found.first?.keywordLocation == "/properties/a~1b/properties/c~0d/type")
    }

    @Test func deepRecursionFailsInsteadOfCrashing() throws {
        let schema = try compile(##"{"$defs": {"n": {"type": "array", "items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"}"##)
        var shallow: JSONValue = []
        for _ in 0..<100 { shallow = [shallow] }
        #expect(schema.isValid(shallow))
        var deep: JSONValue = []
        for _ in 0..<1_000 { deep = [deep] }
        #expect(!schema.isValid(deep))
        let found = schema.validate(deep)
        #expect(found.count == 1)
        #expect(found.first?.message.contains("nests more than") == true)
    }

    @Test func exactNumbers() throws {
        #expect(try compile(#"{"multipleOf": 0.1}"#).isValid(0.3))
        #expect(try compile(#"{"multipleOf": 0.01}"#).isValid(json("19.99")))
        #expect(try !compile(#"{"multipleOf": 0.123456789}"#).isValid(json("1e308")))
        #expect(try compile(#"{"multipleOf": 3}"#).isValid(json("9e400")))
        #expect(try compile(#"{"type": "integer"}"#).isValid(json("1.0")))
        #expect(try compile(#"{"maximum": 9007199254740993}"#).isValid(json("9007199254740993")))
        #expect(try !compile(#"{"maximum": 9007199254740992}"#).isValid(json("9007199254740993")))
        #expect(try compile(#"{"const": 1}"#).isValid(json("1.0e0")))
        #expect(try compile(#"{"enum": [{"a": [1, 2]}]}"#).isValid(json(#"{"a": [1.0, 2e0]}"#)))
    }

    @Test func lengthsCountCodePoints() throws {
        let schema = try compile(#"{"minLength": 2, "maxLength": 2}"#)
        #expect(schema.isValid("é😀"))  // 2 code points, 6 UTF-8 bytes, 3 UTF-16 units
        #expect(!schema.isValid("e\u{301}😀"))  // 3 code points, 2 grapheme clusters
    }

    @Test func stringEqualityIsByCodePoints() throws {
        let schema = try compile(#"{"enum": ["é"]}"#)
        #expect(schema.isValid("\u{e9}"))
        #expect(!schema.isValid("e\u{301}"))
        let properties = try compile(#"{"properties": {"é": false}}"#)
        #expect(!properties.isValid(["\u{e9}": 1]))
        #expect(properties.isValid(["e\u{301}": 1]))
    }
}
