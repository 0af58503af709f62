import JejakBase

/// A JSON value (RFC 8259), as parsed by ``JSONParser`` and written by ``JSONWriter``.
///
/// ## Equality
///
/// `==` and `hash(into:)` compare values *as parsed*:
/// - strings and object member names are compared by their UTF-8 bytes (code point by code
///   point, as RFC 8259 §8.3 asks), **not** with Swift's Unicode canonical equivalence, so
///   `"é"` (U+00E9) and `"e\u{301}"` are different;
/// - numbers are compared by their literal text (``JSONNumber/text``), so `1` != `1.0`;
/// - object members are compared in document order, so `{"a":1,"b":2}` != `{"b":2,"a":1}`.
///
/// JSON Schema equality (`const`, `enum`, `uniqueItems`) is ``schemaEquals(_:)``, which compares
/// numbers by mathematical value and objects as unordered maps.
public enum JSONValue: Hashable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its literal text.
    case number(JSONNumber)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, members in document order.
    case object(JSONObject)

    /// Compares two values as parsed (see the type's documentation).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a.sameBytes(as: b)
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }

    /// Hashes the value consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let b):
            hasher.combine(1 as UInt8)
            hasher.combine(b)
        case .number(let n):
            hasher.combine(2 as UInt8)
            hasher.combine(n)
        case .string(let s):
            hasher.combine(3 as UInt8)
            hasher.combineBytes(of: s)
        case .array(let a):
            hasher.combine(4 as UInt8)
            hasher.combine(a.count)
            for element in a { element.hash(into: &hasher) }
        case .object(let o):
            hasher.combine(5 as UInt8)
            o.hash(into: &hasher)
        }
    }
}

// MARK: - Accessors

public extension JSONValue {
    /// The object, if this value is an object.
    var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, if this value is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The string, if this value is a string.
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The Boolean, if this value is `true` or `false`.
    var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The number, if this value is a number.
    var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The number's ``JSONNumber/double`` value, if this value is a number.
    var doubleValue: Double? {
        numberValue?.double
    }

    /// The number's ``JSONNumber/int64`` value, if this value is a number written as an
    /// integer literal that fits in `Int64`.
    var int64Value: Int64? {
        numberValue?.int64
    }

    /// Whether this value is `null`.
    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member named `key`, if this value is an object that has one; otherwise `nil`.
    subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The element at `index`, if this value is an array and `index` is in range; otherwise `nil`.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let a) = self, a.indices.contains(index) else { return nil }
        return a[index]
    }

    /// The JSON type name as JSON Schema spells it: `"null"`, `"boolean"`, `"number"`,
    /// `"string"`, `"array"` or `"object"` (numbers are always `"number"`; use
    /// ``JSONNumber/isInteger`` for `"integer"`).
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral {
    /// Creates `null`.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates `true` or `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates an integer number.
    public init(integerLiteral value: Int64) { self = .number(JSONNumber(value)) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Creates a number from a `Double`, written as Swift's shortest round-tripping form
    /// (a literal too large for `Double`, which becomes infinite, creates `null`).
    public init(floatLiteral value: Double) {
        self = JSONNumber(value).map { .number($0) } ?? .null
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates a string.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates an array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates an object with the members in the order written.
    ///
    /// - Precondition: The keys are distinct.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(checkedMembers: elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of the value (see ``JSONWriter``).
    public var description: String {
        String(decoding: JSONWriter.bytes(self), as: UTF8.self)
    }
}
