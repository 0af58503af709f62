import JejakBase

public extension JSONValue {
    /// JSON Schema equality (2020-12 §4.2.2), as used by `const`, `enum` and `uniqueItems`:
    /// - numbers are equal when mathematically equal (`1`, `1.0` and `1e0`), see
    ///   ``JSONNumber/numericallyEquals(_:)``;
    /// - objects are equal when they have the same member names with pairwise schema-equal
    ///   values, in any order;
    /// - arrays are equal when they have the same length and pairwise schema-equal elements;
    /// - strings are equal when their code points are equal (no Unicode normalization);
    /// - values of different types are never equal (`1` is not `true`).
    func schemaEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a.numericallyEquals(b)
        case (.string(let a), .string(let b)): return a.sameBytes(as: b)
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where !x.schemaEquals(y) { return false }
            return true
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for member in a {
                guard let theirs = b[member.key], member.value.schemaEquals(theirs) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// Hashes the value consistently with ``schemaEquals(_:)`` (numbers by mathematical value,
    /// objects independently of member order), e.g. for an O(n) `uniqueItems` check.
    func schemaHash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let b):
            hasher.combine(1 as UInt8)
            hasher.combine(b)
        case .number(let n):
            hasher.combine(2 as UInt8)
            let form = DecimalForm(n.text)
            hasher.combine(form.negative)
            hasher.combine(form.digits)
            hasher.combine(form.exponent)
        case .string(let s):
            hasher.combine(3 as UInt8)
            hasher.combineBytes(of: s)
        case .array(let a):
            hasher.combine(4 as UInt8)
            hasher.combine(a.count)
            for element in a { element.schemaHash(into: &hasher) }
        case .object(let o):
            hasher.combine(5 as UInt8)
            hasher.combine(o.count)
            // Order-independent: combine the members' individual hashes commutatively.
            var sum = 0
            for member in o {
                var memberHasher = Hasher()
                memberHasher.combineBytes(of: member.key)
                member.value.schemaHash(into: &memberHasher)
                sum = sum &+ memberHasher.finalize()
            }
            hasher.combine(sum)
        }
    }
}

/// A wrapper whose `==` is ``JSONValue/schemaEquals(_:)`` and whose hash is
/// ``JSONValue/schemaHash(into:)``, so JSON Schema-equal values collide in a `Set` or
/// `Dictionary` (e.g. for `uniqueItems`).
public struct JSONSchemaKey: Hashable, Sendable {
    /// The wrapped value.
    public let value: JSONValue

    /// Wraps a value.
    ///
    /// - Parameter value: The value.
    public init(_ value: JSONValue) {
        self.value = value
    }

    /// ``JSONValue/schemaEquals(_:)``.
    public static func == (lhs: JSONSchemaKey, rhs: JSONSchemaKey) -> Bool {
        lhs.value.schemaEquals(rhs.value)
    }

    /// ``JSONValue/schemaHash(into:)``.
    public func hash(into hasher: inout Hasher) {
        value.schemaHash(into: &hasher)
    }
}
