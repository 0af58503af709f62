import JejakBase
import JejakJSON

/// A set of schema documents that may `$ref` one another, each known by an absolute URI.
///
/// Register every document first (their `$ref`s may point forwards), then compile the schemas
/// you validate with, either with ``schema(_:options:)`` or by passing the registry to
/// ``JSONSchema/init(_:registry:options:)``. Each compiled ``JSONSchema`` holds everything it
/// references, so it stays valid whatever happens to the registry afterwards.
///
/// ```swift
/// var registry = SchemaRegistry()
/// try registry.register(commonDefinitions)      // "$id": "https://jejak.example/schemas/common.json"
/// try registry.register(deliveredSchema)        // refs "common.json#/$defs/digest"
/// let delivered = try registry.schema("https://jejak.example/schemas/exchange-delivered.json")
/// ```
///
/// A document is registered under its `$id` (or the `uri` given), and embedded resources
/// (subschemas with their own `$id`) and anchors become addressable too. References are resolved
/// when a schema is compiled, not when a document is registered. No document is ever fetched
/// over the network.
///
/// The registry is a value type: registering mutates this copy only.
public struct SchemaRegistry: Sendable {
    /// The base URI of a schema that has no `$id` and was not registered under a URI:
    /// `https://jejak.invalid/schema` (the `.invalid` top-level domain never resolves).
    public static let defaultBaseURI = "https://jejak.invalid/schema"

    var index = SchemaIndex()

    /// Creates an empty registry.
    public init() {}

    /// The URIs of the registered documents (their `$id` when they have one), in registration order.
    public var identifiers: [String] {
        index.documents.indices.compactMap { document in
            index.resources.first { $0.root == LocationKey(document: document, pointer: "") }?.uri
        }
    }

    /// Whether a schema resource (a document or an embedded subschema with `$id`) has this URI.
    ///
    /// - Parameter uri: An absolute URI without fragment.
    public func contains(_ uri: String) -> Bool {
        index.resourceByURI[ExactText(uri)] != nil
    }

    /// Registers a schema document.
    ///
    /// The document is checked as ``JSONSchema/init(_:registry:options:)`` would check it
    /// (keywords, values, identifiers, patterns), except that its references are resolved only
    /// when a schema using them is compiled. Registering the identical document under the same
    /// URI again does nothing.
    ///
    /// - Parameters:
    ///   - schema: The document.
    ///   - uri: The absolute URI to register it under (as if it had been retrieved from there);
    ///     `nil` to use its `$id`, which must then be absolute. A `$id` inside the document still
    ///     becomes its canonical URI; both URIs identify it.
    /// - Returns: The document's canonical URI (its `$id`, or `uri`).
    /// - Throws: ``SchemaError``: ``SchemaError/Code/unknownSchema`` if no absolute URI is known,
    ///   ``SchemaError/Code/duplicateIdentifier`` if a different document already has a URI it
    ///   defines, or any problem found in the document.
    @discardableResult
    public mutating func register(_ schema: JSONValue, uri: String? = nil) throws(SchemaError) -> String {
        let retrieval: URIReference
        if let uri {
            retrieval = URIReference(uri)
            guard retrieval.isAbsolute, retrieval.fragment?.isEmpty ?? true else {
                throw SchemaError(
                    code: .unknownSchema, keyword: nil, pointer: "", document: uri,
                    message: "a schema must be registered under an absolute URI without fragment, not \(uri)")
            }
        } else {
            guard case .string(let id)? = schema["$id"], URIReference(id).isAbsolute else {
                throw SchemaError(
                    code: .unknownSchema, keyword: "$id", pointer: "", document: Self.defaultBaseURI,
                    message: "a schema registered without a URI must have an absolute $id")
            }
            retrieval = URIReference(id)
        }
        let address = retrieval.withoutFragment.string
        if let resource = index.resourceByURI[ExactText(address)] {
            let root = index.resources[resource].root
            if root.pointer.isEmpty, index.documents[root.document].root == schema {
                return index.resources[resource].uri
            }
        }
        var newIndex = index
        let document = try newIndex.add(schema, uri: address)
        var checker = Compiler(index: newIndex, options: SchemaOptions(), resolvesReferences: false)
        try checker.checkDocument(document)
        index = newIndex
        let root = LocationKey(document: document, pointer: "")
        return newIndex.resources.first { $0.root == root }?.uri ?? address
    }

    /// Parses and registers a schema document.
    ///
    /// - Parameters:
    ///   - text: The document as JSON text.
    ///   - uri: The absolute URI to register it under, or `nil` to use its `$id`.
    /// - Returns: The document's canonical URI.
    /// - Throws: ``SchemaError`` (``SchemaError/Code/invalidJSON`` if the text is not JSON).
    @discardableResult
    public mutating func register(parsing text: String, uri: String? = nil) throws(SchemaError) -> String {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw SchemaError(
                code: .invalidJSON, keyword: nil, pointer: "", document: uri ?? Self.defaultBaseURI,
                message: error.description)
        }
        return try register(value, uri: uri)
    }

    /// Compiles the registered schema at `uri`.
    ///
    /// - Parameters:
    ///   - uri: An absolute URI: a registered document or embedded resource, optionally with a
    ///     fragment (`#/$defs/digest`, `#anchor`).
    ///   - options: How to compile.
    /// - Returns: The compiled schema; its ``JSONSchema/id`` is the resource's canonical URI.
    /// - Throws: ``SchemaError/Code/unknownSchema`` if nothing is registered there, or any
    ///   ``SchemaError`` from compiling it.
    public func schema(_ uri: String, options: SchemaOptions = SchemaOptions()) throws(SchemaError) -> JSONSchema {
        guard URIReference(uri).isAbsolute, let location = index.resolve(uri, base: uri) else {
            throw SchemaError(
                code: .unknownSchema, keyword: nil, pointer: "", document: uri,
                message: "no registered schema has the URI \(uri)")
        }
        var compiler = Compiler(index: index, options: options)
        let program = try compiler.compileProgram(root: location)
        let resource = index.subschemas[location].map { index.resources[$0.resource] }
        let id = resource.flatMap { $0.root == location ? $0.uri : nil }
        return JSONSchema(program: program, id: id)
    }
}
