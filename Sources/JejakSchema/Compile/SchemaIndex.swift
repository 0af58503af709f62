import JejakBase
import JejakJSON

/// Where a subschema is: a document and a JSON Pointer from its root.
///
/// Pointers compare by their bytes: two member names that Swift's `String` deems canonically
/// equivalent are two locations.
struct LocationKey: Hashable, Sendable {
    let document: Int
    let pointer: String

    static func == (lhs: LocationKey, rhs: LocationKey) -> Bool {
        lhs.document == rhs.document && lhs.pointer.sameBytes(as: rhs.pointer)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(document)
        hasher.combine(ExactText(pointer))
    }
}

/// A subschema found while indexing a document.
struct SubschemaEntry: Sendable {
    let value: JSONValue
    let key: LocationKey
    /// The base URI in effect inside this subschema (after its own `$id`), without fragment.
    let base: String
    /// The schema resource it belongs to.
    let resource: Int
    /// The JSON Pointer of the subschema from its resource's root.
    let resourcePointer: String
}

/// A schema resource: a document root or a subschema with `$id`.
struct ResourceEntry: Sendable {
    /// The resource's canonical URI (its `$id`, else the URI its document was registered under).
    let uri: String
    let root: LocationKey
    /// The tokens of `root.pointer`.
    let rootTokens: [String]
    /// `$dynamicAnchor` name → the subschema carrying it.
    var dynamicAnchors: [ExactText: LocationKey] = [:]
}

/// Every schema document known to a registry (or a compilation): their subschemas, resources
/// and anchors, found by walking them once. Walking also refuses unknown keywords, malformed
/// identifiers, foreign dialects and subschemas that are not objects or Booleans.
struct SchemaIndex: Sendable {
    var documents: [(uri: String, root: JSONValue)] = []
    var subschemas: [LocationKey: SubschemaEntry] = [:]
    var resources: [ResourceEntry] = []
    var resourceByURI: [ExactText: Int] = [:]
    /// `"<resource uri>#<name>"` → the subschema with that `$anchor` or `$dynamicAnchor`.
    var anchors: [ExactText: LocationKey] = [:]
    /// Subschemas with a `$dynamicAnchor`, and its name.
    var dynamicAnchorAt: [LocationKey: String] = [:]

    /// Indexes a document and returns its index in ``documents``.
    ///
    /// - Parameters:
    ///   - root: The document.
    ///   - uri: The absolute URI (no fragment) it was retrieved from or registered under.
    /// - Throws: ``SchemaError`` for the first problem found; the index is then unchanged.
    mutating func add(_ root: JSONValue, uri: String) throws(SchemaError) -> Int {
        var copy = self
        let document = copy.documents.count
        copy.documents.append((uri, root))
        var walker = Walker(index: copy, document: document, documentURI: uri)
        try walker.walkRoot(root)
        self = walker.index
        return document
    }

    /// The canonical URI of a document (its root `$id`, else the URI it was added under).
    func uri(ofDocument document: Int) -> String {
        let root = LocationKey(document: document, pointer: "")
        return resources.first { $0.root == root }?.uri ?? documents[document].uri
    }

    /// Resolves a reference written in a subschema whose base URI is `base`.
    ///
    /// - Returns: The target's location, or `nil` if no known subschema is there.
    func resolve(_ reference: String, base: String) -> LocationKey? {
        let target = URIReference(reference).resolved(against: URIReference(base))
        let uri = target.withoutFragment.string
        let fragment = target.fragment ?? ""
        guard let resourceIndex = resourceByURI[ExactText(uri)] else { return nil }
        let resource = resources[resourceIndex]
        if fragment.isEmpty { return resource.root }
        guard let decoded = JSONPointer.percentDecode(fragment) else { return nil }
        if decoded.hasPrefix("/") {
            guard let tokens = JSONPointer.parse(decoded) else { return nil }
            let key = LocationKey(
                document: resource.root.document, pointer: JSONPointer.render(resource.rootTokens + tokens))
            return subschemas[key] == nil ? nil : key
        }
        return anchors[ExactText(resource.uri + "#" + decoded)]
    }
}

/// The draft 2020-12 meta-schema URI, the only dialect accepted in `$schema`.
let dialect2020_12 = "https://json-schema.org/draft/2020-12/schema"

/// How a keyword's value holds subschemas.
enum SubschemaShape {
    case single
    case map
    case nonEmptyArray
}

/// The keywords whose values are or contain subschemas.
let subschemaKeywords: [String: SubschemaShape] = [
    "additionalProperties": .single, "propertyNames": .single, "items": .single, "contains": .single,
    "not": .single, "if": .single, "then": .single, "else": .single, "unevaluatedItems": .single,
    "unevaluatedProperties": .single, "contentSchema": .single,
    "properties": .map, "patternProperties": .map, "$defs": .map, "dependentSchemas": .map,
    "allOf": .nonEmptyArray, "anyOf": .nonEmptyArray, "oneOf": .nonEmptyArray, "prefixItems": .nonEmptyArray,
]

/// Walks one document, filling an index.
private struct Walker {
    var index: SchemaIndex
    let document: Int
    let documentURI: String
    /// The document's canonical URI for messages (its root `$id` once seen).
    var displayURI: String

    init(index: SchemaIndex, document: Int, documentURI: String) {
        self.index = index
        self.document = document
        self.documentURI = documentURI
        self.displayURI = documentURI
    }

    func error(_ code: SchemaError.Code, _ keyword: String?, _ tokens: [String], _ message: String) -> SchemaError {
        SchemaError(
            code: code, keyword: keyword, pointer: JSONPointer.render(tokens), document: displayURI,
            message: message)
    }

    mutating func walkRoot(_ root: JSONValue) throws(SchemaError) {
        let resource = try addResource(uri: documentURI, tokens: [], keyword: nil)
        try walk(root, tokens: [], base: documentURI, resource: resource, resourceDepth: 0, isDocumentRoot: true)
    }

    mutating func addResource(uri: String, tokens: [String], keyword: String?) throws(SchemaError) -> Int {
        guard index.resourceByURI[ExactText(uri)] == nil else {
            throw error(
                .duplicateIdentifier, keyword, keyword.map { tokens + [$0] } ?? tokens,
                "the URI \(uri) already identifies another schema")
        }
        let key = LocationKey(document: document, pointer: JSONPointer.render(tokens))
        index.resources.append(ResourceEntry(uri: uri, root: key, rootTokens: tokens))
        index.resourceByURI[ExactText(uri)] = index.resources.count - 1
        return index.resources.count - 1
    }

    static func isValidAnchor(_ name: String) -> Bool {
        var first = true
        for c in name.unicodeScalars {
            let ok: Bool
            switch c {
            case "A"..."Z", "a"..."z", "_": ok = true
            case "0"..."9", "-", ".": ok = !first
            default: ok = false
            }
            guard ok else { return false }
            first = false
        }
        return !first
    }

    mutating func walk(
        _ value: JSONValue, tokens: [String], base parentBase: String, resource parentResource: Int,
        resourceDepth parentDepth: Int, isDocumentRoot: Bool = false
    ) throws(SchemaError) {
        let key = LocationKey(document: document, pointer: JSONPointer.render(tokens))
        var base = parentBase
        var resource = parentResource
        var resourceDepth = parentDepth
        guard case .object(let object) = value else {
            guard case .bool = value else {
                throw error(
                    .invalidSchema, tokens.last, tokens,
                    "a schema must be an object or a Boolean, not \(articled(value.typeName))")
            }
            index.subschemas[key] = SubschemaEntry(
                value: value, key: key, base: base, resource: resource,
                resourcePointer: JSONPointer.render(tokens[resourceDepth...]))
            return
        }
        if let dialect = object["$schema"] {
            guard case .string(let uri) = dialect else {
                throw error(.invalidKeywordValue, "$schema", tokens + ["$schema"], "$schema must be a string")
            }
            guard uri == dialect2020_12 || uri == dialect2020_12 + "#" else {
                throw error(
                    .unsupportedDialect, "$schema", tokens + ["$schema"],
                    "only JSON Schema draft 2020-12 (\(dialect2020_12)) is supported, not \(uri)")
            }
        }
        if let idValue = object["$id"] {
            guard case .string(let id) = idValue else {
                throw error(.invalidKeywordValue, "$id", tokens + ["$id"], "$id must be a string")
            }
            let reference = URIReference(id)
            if let fragment = reference.fragment, !fragment.isEmpty {
                throw error(
                    .invalidIdentifier, "$id", tokens + ["$id"],
                    "$id must not have a fragment (use $anchor for \"#\(fragment)\")")
            }
            let resolved = reference.resolved(against: URIReference(parentBase)).withoutFragment
            guard resolved.isAbsolute else {
                throw error(.invalidIdentifier, "$id", tokens + ["$id"], "$id \(id) does not resolve to an absolute URI")
            }
            base = resolved.string
            if isDocumentRoot {
                displayURI = base
                if base != documentURI {
                    guard index.resourceByURI[ExactText(base)] == nil else {
                        throw error(
                            .duplicateIdentifier, "$id", tokens + ["$id"],
                            "the URI \(base) already identifies another schema")
                    }
                    // The document's resource is known by both its retrieval URI and its $id;
                    // the $id is canonical.
                    let old = index.resources[resource]
                    index.resources[resource] = ResourceEntry(uri: base, root: old.root, rootTokens: old.rootTokens)
                    index.resourceByURI[ExactText(base)] = resource
                }
            } else {
                resource = try addResource(uri: base, tokens: tokens, keyword: "$id")
                resourceDepth = tokens.count
            }
        }
        for keyword in ["$anchor", "$dynamicAnchor"] {
            guard let anchorValue = object[keyword] else { continue }
            guard case .string(let name) = anchorValue, Walker.isValidAnchor(name) else {
                throw error(
                    .invalidIdentifier, keyword, tokens + [keyword],
                    "\(keyword) must be a name matching ^[A-Za-z_][-A-Za-z0-9._]*$")
            }
            let uri = index.resources[resource].uri + "#" + name
            if let existing = index.anchors[ExactText(uri)] {
                // `$anchor` and `$dynamicAnchor` with the same name on the same subschema agree.
                guard existing == key else {
                    throw error(.duplicateIdentifier, keyword, tokens + [keyword], "the anchor \(uri) is defined twice")
                }
            }
            index.anchors[ExactText(uri)] = key
            if keyword == "$dynamicAnchor" {
                index.resources[resource].dynamicAnchors[ExactText(name)] = key
                index.dynamicAnchorAt[key] = name
            }
        }
        index.subschemas[key] = SubschemaEntry(
            value: value, key: key, base: base, resource: resource,
            resourcePointer: JSONPointer.render(tokens[resourceDepth...]))

        for (keyword, member) in object {
            guard let shape = subschemaKeywords[keyword] else {
                guard JSONSchema.supportedKeywords.contains(keyword) || JSONSchema.annotationKeywords.contains(keyword)
                else {
                    throw error(
                        .unsupportedKeyword, keyword, tokens + [keyword],
                        "the keyword \"\(keyword)\" is not supported (see JSONSchema.supportedKeywords)")
                }
                continue
            }
            let here = tokens + [keyword]
            switch shape {
            case .single:
                if keyword == "items", case .array = member {
                    throw error(
                        .invalidKeywordValue, keyword, here,
                        "items must be a schema (the array form is prefixItems in draft 2020-12)")
                }
                try walk(member, tokens: here, base: base, resource: resource, resourceDepth: resourceDepth)
            case .map:
                guard case .object(let map) = member else {
                    throw error(.invalidKeywordValue, keyword, here, "\(keyword) must be an object of schemas")
                }
                for (name, subschema) in map {
                    try walk(
                        subschema, tokens: here + [name], base: base, resource: resource, resourceDepth: resourceDepth)
                }
            case .nonEmptyArray:
                guard case .array(let elements) = member, !elements.isEmpty else {
                    throw error(.invalidKeywordValue, keyword, here, "\(keyword) must be a non-empty array of schemas")
                }
                for (position, subschema) in elements.enumerated() {
                    try walk(
                        subschema, tokens: here + [String(position)], base: base, resource: resource,
                        resourceDepth: resourceDepth)
                }
            }
        }
    }
}

/// "an object", "a string", … for messages.
func articled(_ typeName: String) -> String {
    switch typeName.first {
    case "a", "e", "i", "o", "u": "an \(typeName)"
    default: "a \(typeName)"
    }
}
