import JejakBase
import JejakJSON

/// Compiles indexed subschemas into a ``Program``: checks every keyword's value, resolves
/// references, precompiles regular expressions, hashes `enum` sets, and refuses reference loops
/// that would never terminate.
struct Compiler {
    let index: SchemaIndex
    let options: SchemaOptions
    /// When false (checking a document on registration), references are only checked for syntax,
    /// since their targets may be registered later.
    let resolvesReferences: Bool

    private var nodes: [Node?] = []
    /// Where each node's subschema is.
    private var keys: [LocationKey] = []
    private var nodeIndex: [LocationKey: Int] = [:]
    /// Edges between nodes that apply to the same instance location (in-place applicators and
    /// references), for loop detection.
    private var inPlaceEdges: [Int: [Int]] = [:]
    private var dynamicNames: Set<ExactText> = []
    private var usesDynamicRef = false

    init(index: SchemaIndex, options: SchemaOptions, resolvesReferences: Bool = true) {
        self.index = index
        self.options = options
        self.resolvesReferences = resolvesReferences
    }

    /// Compiles the subschema at `root`, every other subschema of its document (so that a
    /// malformed `$defs` entry is refused even if unused), and everything they reference.
    mutating func compileProgram(root: LocationKey) throws(SchemaError) -> Program {
        let rootNode = try compile(root)
        let documentKeys = index.subschemas.keys.filter { $0.document == root.document }.sorted { $0.pointer < $1.pointer }
        for key in documentKeys { _ = try compile(key) }
        // Dynamic anchors of every resource that has compiled nodes, for the names in use.
        var dynamicAnchors: [Int: [ExactText: Int]] = [:]
        if usesDynamicRef {
            var done = 0
            while done < nodes.count {
                done = nodes.count
                let resources = Set(nodeIndex.keys.compactMap { index.subschemas[$0]?.resource })
                for resource in resources.sorted() {
                    for (name, key) in index.resources[resource].dynamicAnchors where dynamicNames.contains(name) {
                        let node = try compile(key)
                        dynamicAnchors[resource, default: [:]][name] = node
                    }
                }
            }
        }
        try checkLoops(root: rootNode)
        var finished: [Node] = []
        finished.reserveCapacity(nodes.count)
        for node in nodes {
            guard let node else {
                throw SchemaError(
                    code: .referenceLoop, keyword: nil, pointer: root.pointer, document: index.uri(ofDocument: root.document),
                    message: "internal error: a subschema was left uncompiled")
            }
            finished.append(node)
        }
        return Program(nodes: finished, root: rootNode, tracksDynamicScope: usesDynamicRef, dynamicAnchors: dynamicAnchors)
    }

    /// Compiles every subschema of a document without resolving references (registration check).
    mutating func checkDocument(_ document: Int) throws(SchemaError) {
        let keys = index.subschemas.keys.filter { $0.document == document }.sorted { $0.pointer < $1.pointer }
        for key in keys { _ = try compile(key) }
    }

    // MARK: Loop detection

    /// Refuses cycles of in-place edges: evaluating them would recurse forever on one value.
    private func checkLoops(root: Int) throws(SchemaError) {
        var state = [UInt8](repeating: 0, count: nodes.count)  // 0 new, 1 on stack, 2 done
        for start in 0..<nodes.count where state[start] == 0 {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            state[start] = 1
            while let top = stack.last {
                let edges = inPlaceEdges[top.node] ?? []
                if top.next < edges.count {
                    stack[stack.count - 1].next += 1
                    let target = edges[top.next]
                    if state[target] == 1 {
                        let location = nodes[target]?.absoluteLocation ?? "?"
                        throw SchemaError(
                            code: .referenceLoop, keyword: "$ref", pointer: keys[target].pointer,
                            document: index.uri(ofDocument: keys[target].document),
                            message: "the schema at \(location) refers back to itself without descending into the instance, so validation would never end")
                    }
                    if state[target] == 0 {
                        state[target] = 1
                        stack.append((target, 0))
                    }
                } else {
                    state[top.node] = 2
                    stack.removeLast()
                }
            }
        }
    }

    // MARK: Compilation

    private func error(
        _ code: SchemaError.Code, _ entry: SubschemaEntry, _ keyword: String?, _ message: String
    ) -> SchemaError {
        let pointer = keyword.map { entry.key.pointer + "/" + JSONPointer.escape($0) } ?? entry.key.pointer
        return SchemaError(
            code: code, keyword: keyword, pointer: pointer, document: index.uri(ofDocument: entry.key.document),
            message: message)
    }

    private mutating func compile(_ key: LocationKey) throws(SchemaError) -> Int {
        if let existing = nodeIndex[key] { return existing }
        guard let entry = index.subschemas[key] else {
            throw SchemaError(
                code: .unresolvableReference, keyword: nil, pointer: key.pointer,
                document: index.uri(ofDocument: key.document), message: "no subschema at this location")
        }
        let slot = nodes.count
        nodes.append(nil)
        keys.append(key)
        nodeIndex[key] = slot
        nodes[slot] = try build(entry, slot: slot)
        return slot
    }

    private mutating func child(_ entry: SubschemaEntry, _ tokens: String...) throws(SchemaError) -> Int {
        var pointer = entry.key.pointer
        for token in tokens { pointer += "/" + JSONPointer.escape(token) }
        return try compile(LocationKey(document: entry.key.document, pointer: pointer))
    }

    private func nonNegativeInteger(_ entry: SubschemaEntry, _ keyword: String, _ value: JSONValue) throws(SchemaError) -> Int {
        guard case .number(let n) = value, n.isInteger, !n.text.hasPrefix("-") || n.numericallyEquals(JSONNumber(0)) else {
            throw error(.invalidKeywordValue, entry, keyword, "\(keyword) must be a non-negative integer, not \(brief(value))")
        }
        return n.integralValue.map { Int(clamping: $0) } ?? Int.max
    }

    private func number(_ entry: SubschemaEntry, _ keyword: String, _ value: JSONValue) throws(SchemaError) -> JSONNumber {
        guard case .number(let n) = value else {
            throw error(.invalidKeywordValue, entry, keyword, "\(keyword) must be a number, not \(brief(value))")
        }
        return n
    }

    private func uniqueStrings(_ entry: SubschemaEntry, _ keyword: String, _ value: JSONValue) throws(SchemaError) -> [String] {
        guard case .array(let elements) = value else {
            throw error(.invalidKeywordValue, entry, keyword, "\(keyword) must be an array of strings")
        }
        var names: [String] = []
        var seen: Set<ExactText> = []
        for element in elements {
            guard case .string(let s) = element else {
                throw error(.invalidKeywordValue, entry, keyword, "\(keyword) must be an array of strings, not contain \(brief(element))")
            }
            guard seen.insert(ExactText(s)).inserted else {
                throw error(.invalidKeywordValue, entry, keyword, "\(keyword) lists \"\(s)\" twice")
            }
            names.append(s)
        }
        return names
    }

    private func regex(_ entry: SubschemaEntry, _ keyword: String, _ source: String) throws(SchemaError) -> ECMARegex {
        do {
            return try ECMARegex(source)
        } catch {
            throw self.error(
                .invalidPattern, entry, keyword,
                "\(source) is not a supported ECMA-262 regular expression: \(error.message) at character \(error.offset)")
        }
    }

    private func string(_ entry: SubschemaEntry, _ keyword: String, _ value: JSONValue) throws(SchemaError) -> String {
        guard case .string(let s) = value else {
            throw error(.invalidKeywordValue, entry, keyword, "\(keyword) must be a string, not \(brief(value))")
        }
        return s
    }

    private mutating func reference(
        _ entry: SubschemaEntry, _ keyword: String, _ value: JSONValue
    ) throws(SchemaError) -> (node: Int, dynamicName: String?)? {
        let text = try string(entry, keyword, value)
        guard resolvesReferences else { return nil }
        guard let target = index.resolve(text, base: entry.base) else {
            let absolute = URIReference(text).resolved(against: URIReference(entry.base)).string
            throw error(
                .unresolvableReference, entry, keyword,
                "\(keyword) \(text) (\(absolute)) does not lead to a known schema; register the document that defines it")
        }
        let node = try compile(target)
        var dynamicName: String?
        if keyword == "$dynamicRef", let fragment = URIReference(text).fragment,
           let name = JSONPointer.percentDecode(fragment), !name.hasPrefix("/"), !name.isEmpty,
           index.dynamicAnchorAt[target].map({ $0.sameBytes(as: name) }) == true {
            dynamicName = name
        }
        return (node, dynamicName)
    }

    private mutating func build(_ entry: SubschemaEntry, slot: Int) throws(SchemaError) -> Node {
        let location = index.resources[entry.resource].uri + "#" + entry.resourcePointer
        guard case .object(let object) = entry.value else {
            let valid = entry.value == .bool(true)
            return Node(kind: valid ? .alwaysValid : .alwaysInvalid, resource: entry.resource, absoluteLocation: location)
        }

        var typeMask: UInt8 = 0
        var valueKeywords: [Keyword] = []
        var numberKeywords: [Keyword] = []
        var stringKeywords: [Keyword] = []
        var arrayKeywords: [Keyword] = []
        var objectKeywords: [Keyword] = []
        var applicators: [Keyword] = []
        var edges: [Int] = []

        // type
        if let value = object["type"] {
            var names: [JSONValue] = []
            switch value {
            case .string: names = [value]
            case .array(let elements): names = elements
            default:
                throw error(.invalidKeywordValue, entry, "type", "type must be a type name or an array of them, not \(brief(value))")
            }
            for name in names {
                guard case .string(let s) = name, let bit = TypeMask.bit(named: s) else {
                    throw error(
                        .invalidKeywordValue, entry, "type",
                        "\(brief(name)) is not a JSON Schema type (null, boolean, object, array, number, string, integer)")
                }
                guard typeMask & bit == 0 else {
                    throw error(.invalidKeywordValue, entry, "type", "type lists \"\(s)\" twice")
                }
                typeMask |= bit
            }
            if names.isEmpty {
                throw error(.invalidKeywordValue, entry, "type", "type must not be an empty array")
            }
        }
        if let value = object["const"] { valueKeywords.append(.const(value)) }
        if let value = object["enum"] {
            guard case .array(let elements) = value else {
                throw error(.invalidKeywordValue, entry, "enum", "enum must be an array, not \(brief(value))")
            }
            let set = elements.count > 8 ? Set(elements.map(JSONSchemaKey.init)) : nil
            valueKeywords.append(.enumeration(elements, set))
        }

        // numbers
        if let value = object["multipleOf"] {
            let n = try number(entry, "multipleOf", value)
            guard !n.text.hasPrefix("-"), !DecimalDigits(n.text).digits.isEmpty else {
                throw error(.invalidKeywordValue, entry, "multipleOf", "multipleOf must be greater than 0, not \(n.text)")
            }
            guard let divisor = Divisor(n) else {
                throw error(
                    .invalidKeywordValue, entry, "multipleOf",
                    "multipleOf \(n.text) has more than \(Divisor.maximumDigits) significant digits, which is not supported")
            }
            numberKeywords.append(.multipleOf(divisor))
        }
        if let value = object["minimum"] { numberKeywords.append(.minimum(NumericBound(try number(entry, "minimum", value)))) }
        if let value = object["maximum"] { numberKeywords.append(.maximum(NumericBound(try number(entry, "maximum", value)))) }
        if let value = object["exclusiveMinimum"] {
            numberKeywords.append(.exclusiveMinimum(NumericBound(try number(entry, "exclusiveMinimum", value))))
        }
        if let value = object["exclusiveMaximum"] {
            numberKeywords.append(.exclusiveMaximum(NumericBound(try number(entry, "exclusiveMaximum", value))))
        }

        // strings
        if let value = object["minLength"] { stringKeywords.append(.minLength(try nonNegativeInteger(entry, "minLength", value))) }
        if let value = object["maxLength"] { stringKeywords.append(.maxLength(try nonNegativeInteger(entry, "maxLength", value))) }
        if let value = object["pattern"] {
            stringKeywords.append(.pattern(try regex(entry, "pattern", try string(entry, "pattern", value))))
        }
        if let value = object["format"] {
            let name = try string(entry, "format", value)
            if options.format == .assertion {
                guard let checker = FormatChecker(name) else {
                    throw error(
                        .unsupportedFormat, entry, "format",
                        "format \"\(name)\" cannot be asserted (supported: \(JSONSchema.assertedFormats.sorted().joined(separator: ", ")))")
                }
                stringKeywords.append(.format(checker))
            }
        }

        // arrays
        if let value = object["minItems"] { arrayKeywords.append(.minItems(try nonNegativeInteger(entry, "minItems", value))) }
        if let value = object["maxItems"] { arrayKeywords.append(.maxItems(try nonNegativeInteger(entry, "maxItems", value))) }
        if let value = object["uniqueItems"] {
            guard case .bool(let unique) = value else {
                throw error(.invalidKeywordValue, entry, "uniqueItems", "uniqueItems must be a Boolean, not \(brief(value))")
            }
            if unique { arrayKeywords.append(.uniqueItems) }
        }
        var minContains = 1
        var maxContains: Int?
        if let value = object["minContains"] { minContains = try nonNegativeInteger(entry, "minContains", value) }
        if let value = object["maxContains"] { maxContains = try nonNegativeInteger(entry, "maxContains", value) }
        var prefix: [Int] = []
        if case .array(let elements)? = object["prefixItems"] {
            for position in elements.indices { prefix.append(try child(entry, "prefixItems", String(position))) }
        }
        let rest: Int? = object["items"] == nil ? nil : try child(entry, "items")
        if !prefix.isEmpty || rest != nil { arrayKeywords.append(.items(prefix: prefix, rest: rest)) }
        if object["contains"] != nil {
            arrayKeywords.append(.contains(try child(entry, "contains"), min: minContains, max: maxContains))
        }

        // objects
        if let value = object["minProperties"] {
            objectKeywords.append(.minProperties(try nonNegativeInteger(entry, "minProperties", value)))
        }
        if let value = object["maxProperties"] {
            objectKeywords.append(.maxProperties(try nonNegativeInteger(entry, "maxProperties", value)))
        }
        if let value = object["required"] {
            let names = try uniqueStrings(entry, "required", value)
            if !names.isEmpty { objectKeywords.append(.required(names)) }
        }
        if let value = object["dependentRequired"] {
            guard case .object(let map) = value else {
                throw error(.invalidKeywordValue, entry, "dependentRequired", "dependentRequired must be an object of string arrays")
            }
            var pairs: [(String, [String])] = []
            for (name, list) in map {
                pairs.append((name, try uniqueStrings(entry, "dependentRequired", list)))
            }
            if !pairs.isEmpty { objectKeywords.append(.dependentRequired(pairs)) }
        }
        var properties: [(String, Int)] = []
        if case .object(let map)? = object["properties"] {
            for (name, _) in map { properties.append((name, try child(entry, "properties", name))) }
        }
        var patterns: [(regex: ECMARegex, node: Int)] = []
        if case .object(let map)? = object["patternProperties"] {
            for (source, _) in map {
                patterns.append((try regex(entry, "patternProperties", source), try child(entry, "patternProperties", source)))
            }
        }
        let additional: Int? = object["additionalProperties"] == nil ? nil : try child(entry, "additionalProperties")
        if !properties.isEmpty || !patterns.isEmpty || additional != nil {
            objectKeywords.append(.properties(PropertyApplicator(properties: properties, patterns: patterns, additional: additional)))
        }
        if object["propertyNames"] != nil { objectKeywords.append(.propertyNames(try child(entry, "propertyNames"))) }
        if case .object(let map)? = object["dependentSchemas"] {
            var pairs: [(String, Int)] = []
            for (name, _) in map {
                let node = try child(entry, "dependentSchemas", name)
                pairs.append((name, node))
                edges.append(node)
            }
            if !pairs.isEmpty { objectKeywords.append(.dependentSchemas(pairs)) }
        }

        // in-place applicators
        for keyword in ["allOf", "anyOf", "oneOf"] {
            guard case .array(let elements)? = object[keyword] else { continue }
            var list: [Int] = []
            for position in elements.indices { list.append(try child(entry, keyword, String(position))) }
            edges.append(contentsOf: list)
            switch keyword {
            case "allOf": applicators.append(.allOf(list))
            case "anyOf": applicators.append(.anyOf(list))
            default: applicators.append(.oneOf(list))
            }
        }
        if object["not"] != nil {
            let node = try child(entry, "not")
            edges.append(node)
            applicators.append(.not(node))
        }
        let thenNode: Int? = object["then"] == nil ? nil : try child(entry, "then")
        let elseNode: Int? = object["else"] == nil ? nil : try child(entry, "else")
        if object["if"] != nil {
            let ifNode = try child(entry, "if")
            edges.append(ifNode)
            if let thenNode { edges.append(thenNode) }
            if let elseNode { edges.append(elseNode) }
            // Kept even without then/else: a valid `if` contributes annotations (for unevaluated*).
            applicators.append(.conditional(if: ifNode, then: thenNode, else: elseNode))
        }
        if let value = object["$ref"], let target = try reference(entry, "$ref", value) {
            edges.append(target.node)
            applicators.append(.ref(target.node))
        }
        if let value = object["$dynamicRef"], let target = try reference(entry, "$dynamicRef", value) {
            edges.append(target.node)
            if let name = target.dynamicName {
                usesDynamicRef = true
                dynamicNames.insert(ExactText(name))
                applicators.append(.dynamicRef(target.node, name: name))
            } else {
                applicators.append(.ref(target.node))
            }
        }
        // Annotation-only subschemas are compiled (so they are checked) but never applied.
        if object["contentSchema"] != nil { _ = try child(entry, "contentSchema") }
        if case .object(let map)? = object["$defs"] {
            for (name, _) in map { _ = try child(entry, "$defs", name) }
        }
        for keyword in ["title", "description", "$comment", "contentMediaType", "contentEncoding"] {
            if let value = object[keyword] { _ = try string(entry, keyword, value) }
        }
        for keyword in ["deprecated", "readOnly", "writeOnly"] {
            guard let value = object[keyword] else { continue }
            guard case .bool = value else {
                throw error(.invalidKeywordValue, entry, keyword, "\(keyword) must be a Boolean, not \(brief(value))")
            }
        }
        if let value = object["examples"], value.arrayValue == nil {
            throw error(.invalidKeywordValue, entry, "examples", "examples must be an array")
        }

        let unevaluatedItems: Int? = object["unevaluatedItems"] == nil ? nil : try child(entry, "unevaluatedItems")
        let unevaluatedProperties: Int? =
            object["unevaluatedProperties"] == nil ? nil : try child(entry, "unevaluatedProperties")

        inPlaceEdges[slot] = edges
        return Node(
            kind: .keywords, typeMask: typeMask, valueKeywords: valueKeywords, numberKeywords: numberKeywords,
            stringKeywords: stringKeywords, arrayKeywords: arrayKeywords, objectKeywords: objectKeywords,
            applicators: applicators, unevaluatedItems: unevaluatedItems, unevaluatedProperties: unevaluatedProperties,
            resource: entry.resource, absoluteLocation: location)
    }
}

/// A short rendering of a value for messages: its compact JSON, cut at 64 characters.
func brief(_ value: JSONValue) -> String {
    let text = value.description
    guard text.count > 64 else { return text }
    return String(text.prefix(61)) + "…"
}
