import JejakBase
import JejakJSON

/// A compiled schema program: every subschema reachable from the root, as immutable nodes that
/// refer to each other by index (so `$ref` cycles need no mutable or unowned references).
final class Program: Sendable {
    let nodes: [Node]
    let root: Int
    /// Whether any `$dynamicRef` needs the dynamic scope tracked during evaluation.
    let tracksDynamicScope: Bool
    /// Per resource: `$dynamicAnchor` name → node, for the names some `$dynamicRef` looks up.
    let dynamicAnchors: [Int: [ExactText: Int]]

    init(nodes: [Node], root: Int, tracksDynamicScope: Bool, dynamicAnchors: [Int: [ExactText: Int]]) {
        self.nodes = nodes
        self.root = root
        self.tracksDynamicScope = tracksDynamicScope
        self.dynamicAnchors = dynamicAnchors
    }
}

/// One compiled subschema.
final class Node: Sendable {
    enum Kind: Sendable {
        case alwaysValid
        case alwaysInvalid
        case keywords
    }

    let kind: Kind
    /// The `type` keyword as a ``TypeMask`` bit set, or 0 when absent.
    let typeMask: UInt8
    /// `const` and `enum`.
    let valueKeywords: [Keyword]
    let numberKeywords: [Keyword]
    let stringKeywords: [Keyword]
    let arrayKeywords: [Keyword]
    let objectKeywords: [Keyword]
    /// In-place applicators (`allOf`, `anyOf`, `oneOf`, `not`, `if`, `dependentSchemas`,
    /// `$ref`, `$dynamicRef`), evaluated after the type-specific keywords.
    let applicators: [Keyword]
    /// The `unevaluatedItems` subschema, evaluated last.
    let unevaluatedItems: Int?
    /// The `unevaluatedProperties` subschema, evaluated last.
    let unevaluatedProperties: Int?
    /// The schema resource the node belongs to.
    let resource: Int
    /// The node's absolute location: resource URI, `#`, pointer from the resource root.
    let absoluteLocation: String

    /// Whether the node needs to know which items or properties its in-place applicators
    /// evaluated (it has `unevaluatedItems` or `unevaluatedProperties`).
    var tracksEvaluation: Bool { unevaluatedItems != nil || unevaluatedProperties != nil }

    init(
        kind: Kind, typeMask: UInt8 = 0, valueKeywords: [Keyword] = [], numberKeywords: [Keyword] = [],
        stringKeywords: [Keyword] = [], arrayKeywords: [Keyword] = [], objectKeywords: [Keyword] = [],
        applicators: [Keyword] = [], unevaluatedItems: Int? = nil, unevaluatedProperties: Int? = nil,
        resource: Int, absoluteLocation: String
    ) {
        self.kind = kind
        self.typeMask = typeMask
        self.valueKeywords = valueKeywords
        self.numberKeywords = numberKeywords
        self.stringKeywords = stringKeywords
        self.arrayKeywords = arrayKeywords
        self.objectKeywords = objectKeywords
        self.applicators = applicators
        self.unevaluatedItems = unevaluatedItems
        self.unevaluatedProperties = unevaluatedProperties
        self.resource = resource
        self.absoluteLocation = absoluteLocation
    }
}

/// The JSON types as bits, for `type`.
enum TypeMask {
    static let null: UInt8 = 1
    static let boolean: UInt8 = 2
    static let object: UInt8 = 4
    static let array: UInt8 = 8
    static let number: UInt8 = 16
    static let string: UInt8 = 32
    static let integer: UInt8 = 64

    static let names: [(String, UInt8)] = [
        ("null", null), ("boolean", boolean), ("object", object), ("array", array), ("number", number),
        ("string", string), ("integer", integer),
    ]

    static func bit(named name: String) -> UInt8? {
        names.first { $0.0 == name }?.1
    }

    static func describe(_ mask: UInt8) -> String {
        let listed = names.filter { mask & $0.1 != 0 }.map(\.0)
        switch listed.count {
        case 0: return "no type"
        case 1: return listed[0]
        default: return listed.dropLast().joined(separator: ", ") + " or " + (listed.last ?? "")
        }
    }
}

/// A compiled numeric bound (`minimum` and friends): exact text plus its nearest `Double` for a
/// fast comparison that falls back to exact decimal arithmetic only on a tie.
struct NumericBound: Sendable {
    let number: JSONNumber
    let double: Double

    init(_ number: JSONNumber) {
        self.number = number
        self.double = number.double
    }

    /// -1, 0 or 1 as `value` is less than, equal to or greater than the bound, exactly.
    @inline(__always)
    func compare(_ value: JSONNumber) -> Int {
        let d = value.double
        // Rounding to Double is monotonic, so a strict Double inequality is exact.
        if d < double { return -1 }
        if d > double { return 1 }
        if value.numericallyEquals(number) { return 0 }
        return value.isNumericallyLess(than: number) ? -1 : 1
    }
}

/// `properties`, `patternProperties` and `additionalProperties`, applied in one pass over the
/// instance's members.
final class PropertyApplicator: Sendable {
    /// `properties`, in schema order.
    let names: [String]
    let nodes: [Int]
    /// Name → position in `names`, for schemas with many properties.
    let lookup: [ExactText: Int]?
    let patterns: [(regex: ECMARegex, node: Int)]
    let additional: Int?

    init(properties: [(String, Int)], patterns: [(regex: ECMARegex, node: Int)], additional: Int?) {
        names = properties.map(\.0)
        nodes = properties.map(\.1)
        if properties.count > 8 {
            var table: [ExactText: Int] = [:]
            for (position, name) in names.enumerated() { table[ExactText(name)] = position }
            lookup = table
        } else {
            lookup = nil
        }
        self.patterns = patterns
        self.additional = additional
    }

    /// The position in `names` of `name`, compared by UTF-8 bytes.
    @inline(__always)
    func position(of name: String) -> Int? {
        if let lookup { return lookup[ExactText(name)] }
        for position in names.indices where names[position].sameBytes(as: name) { return position }
        return nil
    }
}

/// A compiled keyword.
enum Keyword: Sendable {
    case const(JSONValue)
    case enumeration([JSONValue], Set<JSONSchemaKey>?)
    case minimum(NumericBound)
    case maximum(NumericBound)
    case exclusiveMinimum(NumericBound)
    case exclusiveMaximum(NumericBound)
    case multipleOf(Divisor)
    case minLength(Int)
    case maxLength(Int)
    case pattern(ECMARegex)
    case format(FormatChecker)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    /// `prefixItems` and `items`.
    case items(prefix: [Int], rest: Int?)
    /// `contains` with `minContains` (default 1) and `maxContains`.
    case contains(Int, min: Int, max: Int?)
    case minProperties(Int)
    case maxProperties(Int)
    case required([String])
    case dependentRequired([(String, [String])])
    case properties(PropertyApplicator)
    case propertyNames(Int)
    case dependentSchemas([(String, Int)])
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(if: Int, then: Int?, else: Int?)
    case ref(Int)
    /// A `$dynamicRef` whose initial target carries `$dynamicAnchor` `name`: resolved at
    /// evaluation time to the outermost resource in the dynamic scope with that dynamic anchor.
    case dynamicRef(Int, name: String)
}
