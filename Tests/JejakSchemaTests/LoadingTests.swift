import JejakJSON
import Testing

@testable import JejakSchema

/// A schema that must be refused, and how.
struct Refusal: Sendable, CustomTestStringConvertible {
    let schema: String
    let code: SchemaError.Code
    let keyword: String?
    let pointer: String
    var testDescription: String { schema }
}

@Suite("Loading schemas")
struct LoadingTests {
    static let refusals: [Refusal] = [
        // Unsupported and unknown keywords never pass silently.
        Refusal(schema: ##"{"foo": 1}"##, code: .unsupportedKeyword, keyword: "foo", pointer: "/foo"),
        Refusal(
            schema: ##"{"properties": {"a": {"minimum": 1, "maximun": 5}}}"##, code: .unsupportedKeyword,
            keyword: "maximun", pointer: "/properties/a/maximun"),
        Refusal(
            schema: ##"{"$defs": {"x/y": {"unknownKeyword": true}}}"##, code: .unsupportedKeyword,
            keyword: "unknownKeyword", pointer: "/$defs/x~1y/unknownKeyword"),
        Refusal(schema: ##"{"definitions": {}}"##, code: .unsupportedKeyword, keyword: "definitions", pointer: "/definitions"),
        Refusal(schema: ##"{"dependencies": {}}"##, code: .unsupportedKeyword, keyword: "dependencies", pointer: "/dependencies"),
        Refusal(schema: ##"{"$recursiveRef": "#"}"##, code: .unsupportedKeyword, keyword: "$recursiveRef", pointer: "/$recursiveRef"),
        Refusal(schema: ##"{"$vocabulary": {}}"##, code: .unsupportedKeyword, keyword: "$vocabulary", pointer: "/$vocabulary"),
        Refusal(
            schema: ##"{"allOf": [true, {"additionalItems": false}]}"##, code: .unsupportedKeyword,
            keyword: "additionalItems", pointer: "/allOf/1/additionalItems"),
        // Foreign dialects.
        Refusal(
            schema: ##"{"$schema": "http://json-schema.org/draft-07/schema##"}"##, code: .unsupportedDialect,
            keyword: "$schema", pointer: "/$schema"),
        Refusal(
            schema: ##"{"items": {"$schema": "https://json-schema.org/draft/2019-09/schema"}}"##, code: .unsupportedDialect,
            keyword: "$schema", pointer: "/items/$schema"),
        // Malformed keyword values.
        Refusal(schema: ##"{"type": 5}"##, code: .invalidKeywordValue, keyword: "type", pointer: "/type"),
        Refusal(schema: ##"{"type": "strin"}"##, code: .invalidKeywordValue, keyword: "type", pointer: "/type"),
        Refusal(schema: ##"{"type": ["string", "string"]}"##, code: .invalidKeywordValue, keyword: "type", pointer: "/type"),
        Refusal(schema: ##"{"type": []}"##, code: .invalidKeywordValue, keyword: "type", pointer: "/type"),
        Refusal(schema: ##"{"minLength": -1}"##, code: .invalidKeywordValue, keyword: "minLength", pointer: "/minLength"),
        Refusal(schema: ##"{"maxLength": 1.5}"##, code: .invalidKeywordValue, keyword: "maxLength", pointer: "/maxLength"),
        Refusal(schema: ##"{"minItems": "1"}"##, code: .invalidKeywordValue, keyword: "minItems", pointer: "/minItems"),
        Refusal(schema: ##"{"maxContains": -2}"##, code: .invalidKeywordValue, keyword: "maxContains", pointer: "/maxContains"),
        Refusal(schema: ##"{"minimum": "0"}"##, code: .invalidKeywordValue, keyword: "minimum", pointer: "/minimum"),
        Refusal(schema: ##"{"multipleOf": 0}"##, code: .invalidKeywordValue, keyword: "multipleOf", pointer: "/multipleOf"),
        Refusal(schema: ##"{"multipleOf": -2}"##, code: .invalidKeywordValue, keyword: "multipleOf", pointer: "/multipleOf"),
        Refusal(
            schema: ##"{"multipleOf": 1.2345678901234567891}"##, code: .invalidKeywordValue, keyword: "multipleOf",
            pointer: "/multipleOf"),
        Refusal(schema: ##"{"uniqueItems": 1}"##, code: .invalidKeywordValue, keyword: "uniqueItems", pointer: "/uniqueItems"),
        Refusal(schema: ##"{"enum": "a"}"##, code: .invalidKeywordValue, keyword: "enum", pointer: "/enum"),
        Refusal(schema: ##"{"required": [1]}"##, code: .invalidKeywordValue, keyword: "required", pointer: "/required"),
        Refusal(schema: ##"{"required": ["a", "a"]}"##, code: .invalidKeywordValue, keyword: "required", pointer: "/required"),
        Refusal(
            schema: ##"{"dependentRequired": {"a": "b"}}"##, code: .invalidKeywordValue, keyword: "dependentRequired",
            pointer: "/dependentRequired"),
        Refusal(schema: ##"{"properties": 5}"##, code: .invalidKeywordValue, keyword: "properties", pointer: "/properties"),
        Refusal(schema: ##"{"properties": {"a": 5}}"##, code: .invalidSchema, keyword: "a", pointer: "/properties/a"),
        Refusal(schema: ##"{"allOf": []}"##, code: .invalidKeywordValue, keyword: "allOf", pointer: "/allOf"),
        Refusal(schema: ##"{"anyOf": {}}"##, code: .invalidKeywordValue, keyword: "anyOf", pointer: "/anyOf"),
        Refusal(schema: ##"{"items": [{"type": "string"}]}"##, code: .invalidKeywordValue, keyword: "items", pointer: "/items"),
        Refusal(schema: ##"{"not": null}"##, code: .invalidSchema, keyword: "not", pointer: "/not"),
        Refusal(schema: ##"{"title": 5}"##, code: .invalidKeywordValue, keyword: "title", pointer: "/title"),
        Refusal(schema: ##"{"readOnly": "yes"}"##, code: .invalidKeywordValue, keyword: "readOnly", pointer: "/readOnly"),
        Refusal(schema: ##"{"format": 5}"##, code: .invalidKeywordValue, keyword: "format", pointer: "/format"),
        Refusal(schema: "5", code: .invalidSchema, keyword: nil, pointer: ""),
        // Regular expressions.
        Refusal(schema: ##"{"pattern": "^(abc"}"##, code: .invalidPattern, keyword: "pattern", pointer: "/pattern"),
        Refusal(schema: ##"{"pattern": "\\a"}"##, code: .invalidPattern, keyword: "pattern", pointer: "/pattern"),
        Refusal(schema: ##"{"pattern": "(?i)abc"}"##, code: .invalidPattern, keyword: "pattern", pointer: "/pattern"),
        Refusal(schema: ##"{"pattern": "a{2,1}"}"##, code: .invalidPattern, keyword: "pattern", pointer: "/pattern"),
        Refusal(schema: ##"{"pattern": "\\p{Script=Latin}"}"##, code: .invalidPattern, keyword: "pattern", pointer: "/pattern"),
        Refusal(
            schema: ##"{"properties": {"a": {"patternProperties": {"[z-a]": true}}}}"##, code: .invalidPattern,
            keyword: "patternProperties", pointer: "/properties/a/patternProperties"),
        // Identifiers and references.
        Refusal(schema: ##"{"$id": "https://example.com/a#frag"}"##, code: .invalidIdentifier, keyword: "$id", pointer: "/$id"),
        Refusal(schema: ##"{"$anchor": "1abc"}"##, code: .invalidIdentifier, keyword: "$anchor", pointer: "/$anchor"),
        Refusal(
            schema: ##"{"$defs": {"a": {"$anchor": "x"}, "b": {"$anchor": "x"}}}"##, code: .duplicateIdentifier,
            keyword: "$anchor", pointer: "/$defs/b/$anchor"),
        Refusal(
            schema: ##"{"$defs": {"a": {"$id": "https://e.com/x"}, "b": {"$id": "https://e.com/x"}}}"##,
            code: .duplicateIdentifier, keyword: "$id", pointer: "/$defs/b/$id"),
        Refusal(schema: ##"{"$ref": "#/$defs/missing"}"##, code: .unresolvableReference, keyword: "$ref", pointer: "/$ref"),
        Refusal(
            schema: ##"{"properties": {"a": {"$ref": "https://example.com/nowhere.json"}}}"##, code: .unresolvableReference,
            keyword: "$ref", pointer: "/properties/a/$ref"),
        Refusal(schema: ##"{"$ref": 5}"##, code: .invalidKeywordValue, keyword: "$ref", pointer: "/$ref"),
        Refusal(schema: ##"{"$ref": "#/const"}"##, code: .unresolvableReference, keyword: "$ref", pointer: "/$ref"),
        Refusal(schema: ##"{"$ref": "#"}"##, code: .referenceLoop, keyword: "$ref", pointer: ""),
        Refusal(
            schema: ##"{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"anyOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##,
            code: .referenceLoop, keyword: "$ref", pointer: "/$defs/a"),
    ]

    @Test("refused with the right code, keyword and pointer", arguments: refusals)
    func refused(_ refusal: Refusal) {
        guard let error = loadError(refusal.schema) else {
            Issue.record("loaded, but must be refused: \(refusal.schema)")
            return
        }
        #expect(error.code == refusal.code, "\(error)")
        #expect(error.keyword == refusal.keyword, "\(error)")
        #expect(error.pointer == refusal.pointer, "\(error)")
        #expect(!error.message.isEmpty)
        #expect(error.description.hasPrefix("schema \(refusal.code.rawValue) at "))
    }

    @Test func unsupportedKeywordErrorNamesKeywordAndPointer() throws {
        let error = try #require(loadError(##"{"properties": {"when": {"type": "string", "formatMaximum": "2026-12-31"}}}"##))
        #expect(error.code == .unsupportedKeyword)
        #expect(error.keyword == "formatMaximum")
        #expect(error.pointer == "/properties/when/formatMaximum")
        #expect(error.document == SchemaRegistry.defaultBaseURI)
        #expect(error.description.contains("formatMaximum"))
    }

    @Test func errorsNameTheDocument() throws {
        let error = try #require(loadError(##"{"$id": "https://jejak.example/s.json", "minLength": -1}"##))
        #expect(error.document == "https://jejak.example/s.json")
        #expect(error.description.contains("#/minLength"))
    }

    @Test func invalidJSONText() throws {
        let error = try #require(loadError(##"{"type": "string",}"##))
        #expect(error.code == .invalidJSON)
    }

    @Test func annotationsAreAcceptedAndIgnored() throws {
        let schema = try compile(
            #"""
            {"title": "t", "description": "d", "$comment": "c", "default": 1, "examples": [1, "x"],
             "deprecated": true, "readOnly": false, "writeOnly": false, "contentMediaType": "text/plain",
             "contentEncoding": "base64", "contentSchema": {"type": "string"}, "format": "no-such-format"}
            """#)
        #expect(schema.isValid(5))
        #expect(schema.isValid("not base64 at all"))
    }

    @Test func contentSchemaMustStillBeASchema() {
        #expect(loadError(##"{"contentSchema": {"foo": 1}}"##)?.code == .unsupportedKeyword)
    }

    @Test func unusedDefinitionsAreCheckedToo() {
        let error = loadError(##"{"$defs": {"unused": {"minLength": "three"}}, "type": "string"}"##)
        #expect(error?.code == .invalidKeywordValue)
        #expect(error?.pointer == "/$defs/unused/minLength")
    }

    @Test func formatAssertionRefusesUnknownFormats() throws {
        #expect(loadError(##"{"format": "hostname"}"##) == nil)
        let error = try #require(loadError(##"{"properties": {"h": {"format": "hostname"}}}"##, format: .assertion))
        #expect(error.code == .unsupportedFormat)
        #expect(error.keyword == "format")
        #expect(error.pointer == "/properties/h/format")
        #expect(loadError(##"{"format": "date-time"}"##, format: .assertion) == nil)
    }

    @Test func keywordListsAreConsistent() {
        #expect(JSONSchema.supportedKeywords.isDisjoint(with: JSONSchema.annotationKeywords))
        for keyword in subschemaKeywords.keys {
            #expect(JSONSchema.supportedKeywords.contains(keyword) || JSONSchema.annotationKeywords.contains(keyword))
        }
        #expect(JSONSchema.supportedKeywords.count == 45)
        #expect(
            JSONSchema.assertedFormats == [
                "date-time", "date", "time", "duration", "uuid", "ipv4", "ipv6", "email", "uri", "uri-reference",
                "json-pointer", "relative-json-pointer", "regex",
            ])
        #expect(JSONSchema.dialect == "https://json-schema.org/draft/2020-12/schema")
    }

    @Test func booleanSchemas() throws {
        let yes = try JSONSchema(true)
        let no = try JSONSchema(false)
        #expect(yes.isValid(["anything": [1, 2]]))
        #expect(!no.isValid(nil))
        let violations = no.validate(1)
        #expect(violations.count == 1)
        #expect(violations.first?.instanceLocation == "")
        #expect(violations.first?.description == "(root): no value is allowed (the schema is false)")
    }

    @Test func dialectWithOrWithoutEmptyFragment() throws {
        #expect(loadError(##"{"$schema": "https://json-schema.org/draft/2020-12/schema"}"##) == nil)
        #expect(loadError(##"{"$schema": "https://json-schema.org/draft/2020-12/schema#"}"##) == nil)
    }

    @Test func idIsResolved() throws {
        #expect(try compile(##"{"$id": "https://jejak.example/a/b.json"}"##).id == "https://jejak.example/a/b.json")
        #expect(try compile(##"{"$id": "c.json"}"##).id == "https://jejak.invalid/c.json")
        #expect(try compile(##"{"type": "string"}"##).id == nil)
    }
}
