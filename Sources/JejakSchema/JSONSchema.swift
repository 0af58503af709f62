import JejakBase
import JejakJSON

/// A compiled JSON Schema (draft 2020-12), ready to validate instances.
///
/// Compile once, validate many times: loading checks every keyword, resolves every reference,
/// precompiles every regular expression and hashes `enum` sets, so validation is a walk over
/// immutable nodes. A `JSONSchema` is an immutable value and `Sendable`; share it freely between
/// tasks.
///
/// ```swift
/// let schema = try JSONSchema(parsing: #"""
///     {"type": "object", "required": ["digest"],
///      "properties": {"digest": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}
///     """#)
/// let data = try JSONParser.parse(#"{"digest": "xyz"}"#)
/// for violation in schema.validate(data) {
///     print(violation)  // /digest: "xyz" does not match pattern ^[0-9a-f]{64}$
/// }
/// ```
///
/// A schema that uses a keyword outside ``supportedKeywords`` and ``annotationKeywords`` does
/// not load (``SchemaError/Code/unsupportedKeyword``): nothing is silently ignored. See the
/// module documentation for the full keyword list and the decisions behind it.
public struct JSONSchema: Sendable {
    let program: Program

    /// The root schema's `$id`, resolved to an absolute URI, or `nil` if it has none.
    public let id: String?

    /// The draft 2020-12 meta-schema URI, the only value accepted for `$schema`.
    public static let dialect = dialect2020_12

    /// The keywords that take part in validation (draft 2020-12 core, applicator, unevaluated
    /// and validation vocabularies, plus `format`).
    ///
    /// `format` never fails validation unless ``SchemaOptions/FormatMode/assertion`` is chosen,
    /// in which case the formats it may name are ``assertedFormats``.
    public static let supportedKeywords: Set<String> = [
        // core
        "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$defs",
        // applicator
        "prefixItems", "items", "contains", "additionalProperties", "properties", "patternProperties",
        "dependentSchemas", "propertyNames", "if", "then", "else", "allOf", "anyOf", "oneOf", "not",
        // unevaluated
        "unevaluatedItems", "unevaluatedProperties",
        // validation
        "type", "const", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
        "maxProperties", "minProperties", "required", "dependentRequired",
        // format (annotation by default, see SchemaOptions)
        "format",
    ]

    /// Keywords accepted and ignored by validation: the meta-data and content vocabularies and
    /// `$comment`. Their values are still checked for the right JSON type, and `contentSchema`
    /// must be a valid schema.
    public static let annotationKeywords: Set<String> = [
        "$comment", "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
        "contentEncoding", "contentMediaType", "contentSchema",
    ]

    /// The formats checked when ``SchemaOptions/format`` is ``SchemaOptions/FormatMode/assertion``.
    public static var assertedFormats: Set<String> { Set(FormatChecker.all.map(\.name)) }

    /// Compiles a schema.
    ///
    /// Relative references in a schema without `$id` resolve against
    /// ``SchemaRegistry/defaultBaseURI``.
    ///
    /// - Parameters:
    ///   - schema: The schema document (an object or a Boolean).
    ///   - registry: Other schema documents its `$ref`s may point into, or `nil` for none. If the
    ///     schema's `$id` is already registered with identical content, that registration is
    ///     used; with different content the load fails with
    ///     ``SchemaError/Code/duplicateIdentifier``.
    ///   - options: How to compile (e.g. whether `format` asserts).
    /// - Throws: ``SchemaError`` if the schema or anything it references is malformed or uses an
    ///   unsupported keyword.
    public init(
        _ schema: JSONValue, registry: SchemaRegistry? = nil, options: SchemaOptions = SchemaOptions()
    ) throws(SchemaError) {
        var index = registry?.index ?? SchemaIndex()
        var document: Int?
        var rootID: String?
        if case .string(let id)? = schema["$id"] {
            let uri = URIReference(id).resolved(against: URIReference(SchemaRegistry.defaultBaseURI)).withoutFragment
            rootID = uri.string
            if let resource = index.resourceByURI[ExactText(uri.string)] {
                let root = index.resources[resource].root
                if root.pointer.isEmpty, index.documents[root.document].root == schema {
                    document = root.document
                }
            }
        }
        let root: Int
        if let document {
            root = document
        } else {
            root = try index.add(schema, uri: SchemaRegistry.defaultBaseURI)
        }
        var compiler = Compiler(index: index, options: options)
        program = try compiler.compileProgram(root: LocationKey(document: root, pointer: ""))
        id = rootID.flatMap { index.resourceByURI[ExactText($0)] }.map { index.resources[$0].uri }
    }

    /// Parses and compiles a schema.
    ///
    /// - Parameters:
    ///   - text: The schema document as JSON text.
    ///   - registry: Other schema documents its `$ref`s may point into, or `nil` for none.
    ///   - options: How to compile.
    /// - Throws: ``SchemaError`` (``SchemaError/Code/invalidJSON`` if the text is not JSON).
    public init(
        parsing text: String, registry: SchemaRegistry? = nil, options: SchemaOptions = SchemaOptions()
    ) throws(SchemaError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw SchemaError(
                code: .invalidJSON, keyword: nil, pointer: "", document: SchemaRegistry.defaultBaseURI,
                message: error.description)
        }
        try self.init(value, registry: registry, options: options)
    }

    init(program: Program, id: String?) {
        self.program = program
        self.id = id
    }

    /// Whether `instance` is valid: the fastest check, stopping at the first failure.
    ///
    /// - Parameter instance: The value to validate.
    /// - Returns: `true` if it satisfies the schema.
    public func isValid(_ instance: JSONValue) -> Bool {
        Evaluator(program: program, collecting: false).run(instance)
    }

    /// Validates `instance` and lists every violation (empty when it is valid).
    ///
    /// A valid instance costs the same as ``isValid(_:)``; only an invalid one is evaluated a
    /// second time to collect paths and messages. Violations inside `anyOf`, `oneOf`, `not`,
    /// `if` and `contains` branches are summarised by the keyword (e.g. "matches none of the 2
    /// anyOf alternatives") rather than listed branch by branch.
    ///
    /// - Parameters:
    ///   - instance: The value to validate.
    ///   - maximumViolations: Stop collecting after this many (at least 1).
    /// - Returns: The violations in evaluation order, each with its instance location, keyword
    ///   location, keyword and message.
    public func validate(_ instance: JSONValue, maximumViolations: Int = 100) -> [SchemaViolation] {
        if isValid(instance) { return [] }
        let evaluator = Evaluator(program: program, collecting: true, maximumViolations: maximumViolations)
        _ = evaluator.run(instance)
        return evaluator.violations
    }
}
