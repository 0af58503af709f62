import JejakBase

/// Why a schema could not be loaded: thrown by ``JSONSchema/init(_:registry:options:)``,
/// ``JSONSchema/init(parsing:registry:options:)``, ``SchemaRegistry/register(_:uri:)`` and
/// ``SchemaRegistry/schema(_:options:)``.
///
/// A schema is refused whole: a keyword this library does not implement, a keyword whose value
/// is malformed, a reference that leads nowhere — any of these stops the load, so a schema can
/// never silently validate less than it says.
public struct SchemaError: JejakError, Hashable {
    /// The kind of a ``SchemaError``.
    public enum Code: String, Hashable, Sendable {
        /// The schema text is not JSON (see ``JSONSchema/init(parsing:registry:options:)``).
        case invalidJSON
        /// A (sub)schema is neither an object nor a Boolean.
        case invalidSchema
        /// The schema uses a keyword outside ``JSONSchema/supportedKeywords`` and
        /// ``JSONSchema/annotationKeywords``.
        case unsupportedKeyword
        /// A keyword's value has the wrong type or range, e.g. `"type": 5` or `"minLength": -1`.
        case invalidKeywordValue
        /// A `pattern` or `patternProperties` name is not a supported ECMA-262 regular expression.
        case invalidPattern
        /// `$schema` names a dialect other than draft 2020-12.
        case unsupportedDialect
        /// A `$id`, `$anchor` or `$dynamicAnchor` is malformed (e.g. `$id` with a fragment).
        case invalidIdentifier
        /// Two schema resources or anchors claim the same URI.
        case duplicateIdentifier
        /// A `$ref` or `$dynamicRef` leads to no known schema.
        case unresolvableReference
        /// References form a loop that never consumes any of the instance, so validation could
        /// never finish (e.g. `{"$ref": "#"}`).
        case referenceLoop
        /// In ``SchemaOptions/FormatMode/assertion`` mode, `format` names a format that is not in
        /// ``JSONSchema/assertedFormats``.
        case unsupportedFormat
        /// ``SchemaRegistry/schema(_:options:)`` was asked for a URI that is not registered, or a
        /// document was registered without a usable URI.
        case unknownSchema
    }

    /// What went wrong.
    public let code: Code
    /// The keyword at fault, if one is (e.g. `"minLength"`).
    public let keyword: String?
    /// The JSON Pointer, from the document's root, of the subschema or keyword at fault (`""` for
    /// the root).
    public let pointer: String
    /// The URI of the document holding the fault (its `$id`, the URI it was registered under,
    /// or ``SchemaRegistry/defaultBaseURI``).
    public let document: String
    /// One sentence saying what is wrong.
    public let message: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - keyword: The keyword at fault, if any.
    ///   - pointer: The JSON Pointer of the fault within its document.
    ///   - document: The document's URI.
    ///   - message: One sentence saying what is wrong.
    public init(code: Code, keyword: String?, pointer: String, document: String, message: String) {
        self.code = code
        self.keyword = keyword
        self.pointer = pointer
        self.document = document
        self.message = message
    }

    /// `"schema <code> at <document>#<pointer>: <message>"`.
    public var description: String {
        "schema \(code.rawValue) at \(document)#\(pointer): \(message)"
    }
}

/// One way an instance fails its schema, as returned by ``JSONSchema/validate(_:maximumViolations:)``.
///
/// The fields follow the JSON Schema output format (2020-12 §12.3): ``instanceLocation`` is where
/// in the instance, ``keywordLocation`` is the path through the schema that was evaluated
/// (following `$ref`s), ``absoluteKeywordLocation`` is the keyword's canonical URI.
public struct SchemaViolation: Hashable, Sendable, CustomStringConvertible {
    /// The JSON Pointer of the failing value within the instance, e.g. `"/items/0/digest"`
    /// (`""` for the instance itself). For `propertyNames` it points at the member whose name
    /// failed.
    public let instanceLocation: String
    /// The JSON Pointer of the failing keyword along the evaluation path, e.g.
    /// `"/properties/items/items/$ref/properties/digest/pattern"`.
    public let keywordLocation: String
    /// The failing keyword's absolute location: its schema resource's URI, `#` and the JSON
    /// Pointer from that resource's root, e.g. `"https://example.com/digest.json#/pattern"`.
    public let absoluteKeywordLocation: String
    /// The failing keyword, e.g. `"pattern"` (for a `false` subschema: the keyword that applied
    /// it, such as `"additionalProperties"`).
    public let keyword: String
    /// One sentence saying what is wrong, e.g. `"xyz" does not match pattern ^[0-9a-f]{64}$`.
    public let message: String

    /// Creates a violation.
    ///
    /// - Parameters:
    ///   - instanceLocation: The JSON Pointer of the failing value.
    ///   - keywordLocation: The JSON Pointer of the keyword along the evaluation path.
    ///   - absoluteKeywordLocation: The keyword's absolute URI.
    ///   - keyword: The failing keyword.
    ///   - message: One sentence saying what is wrong.
    public init(
        instanceLocation: String, keywordLocation: String, absoluteKeywordLocation: String,
        keyword: String, message: String
    ) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.absoluteKeywordLocation = absoluteKeywordLocation
        self.keyword = keyword
        self.message = message
    }

    /// `"<instanceLocation>: <message>"`, with `(root)` for the instance itself, e.g.
    /// `/items/0/digest: "xyz" does not match pattern ^[0-9a-f]{64}$`.
    public var description: String {
        "\(instanceLocation.isEmpty ? "(root)" : instanceLocation): \(message)"
    }
}

/// How a schema is compiled.
public struct SchemaOptions: Hashable, Sendable {
    /// What the `format` keyword does.
    public enum FormatMode: Hashable, Sendable {
        /// `format` is an annotation only and never fails validation: draft 2020-12's default
        /// (the format-annotation vocabulary). Any format name is accepted.
        case annotation
        /// `format` asserts: a string that is not a valid instance of its format fails
        /// validation. Only the formats in ``JSONSchema/assertedFormats`` may be used; a schema
        /// naming any other format fails to load with ``SchemaError/Code/unsupportedFormat``.
        case assertion
    }

    /// What the `format` keyword does; ``FormatMode/annotation`` unless set.
    public var format: FormatMode

    /// Creates options.
    ///
    /// - Parameter format: What the `format` keyword does.
    public init(format: FormatMode = .annotation) {
        self.format = format
    }
}

extension SchemaError {
    /// The code's name.
    public var codeName: String { code.rawValue }
    /// SchemaErrors wrap nothing.
    public var underlying: (any Error & Sendable)? { nil }
}
