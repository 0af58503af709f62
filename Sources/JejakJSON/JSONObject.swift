/// A JSON object: members with distinct names, kept in document order.
///
/// Member names are compared by their UTF-8 bytes (RFC 8259 §8.3), not with Swift's Unicode
/// canonical equivalence. Lookup is a linear scan for small objects; objects with
/// ``indexThreshold`` or more members also keep a hash index.
///
/// `==` compares members **in order** (`{"a":1,"b":2}` != `{"b":2,"a":1}`); use
/// ``JSONValue/schemaEquals(_:)`` for order-insensitive comparison.
public struct JSONObject: Hashable, Sendable, Sequence {
    /// A member: its name and value.
    public typealias Element = (key: String, value: JSONValue)
    /// Iterates over the members in document order.
    public typealias Iterator = IndexingIterator<[Element]>

    /// The number of members from which an object keeps a hash index for lookups.
    public static let indexThreshold = 16

    /// The members in document order. Names are distinct.
    ///
    /// Mutate through ``subscript(_:)`` or ``removeValue(forKey:)``, which keep names distinct.
    public private(set) var members: [Element]

    /// Member name → position in ``members``; present only when `members.count >= indexThreshold`.
    private var index: [UTF8Key: Int]?

    /// Creates an empty object.
    public init() {
        members = []
        index = nil
    }

    /// Creates an object from members in the given order, or `nil` if two names are equal.
    ///
    /// - Parameter members: The members, in order.
    public init?(members: [Element]) {
        self.init()
        self.members.reserveCapacity(members.count)
        for member in members {
            if appendIfAbsent(key: member.key, value: member.value) { return nil }
        }
    }

    /// Creates an object whose names are known to be distinct (checked with a precondition).
    init(checkedMembers: [Element]) {
        self.init()
        members.reserveCapacity(checkedMembers.count)
        for member in checkedMembers {
            let duplicate = appendIfAbsent(key: member.key, value: member.value)
            precondition(!duplicate, "duplicate JSON object key \"\(member.key)\"")
        }
    }

    /// Creates an object from parser output: names already verified distinct, index prebuilt.
    init(uncheckedMembers: [Element], index: [UTF8Key: Int]?) {
        members = uncheckedMembers
        self.index = index
    }

    /// Appends a member unless the name exists; returns `true` if it was a duplicate.
    private mutating func appendIfAbsent(key: String, value: JSONValue) -> Bool {
        if position(of: key) != nil { return true }
        members.append((key: key, value: value))
        if index != nil {
            index?[UTF8Key(string: key)] = members.count - 1
        } else if members.count >= Self.indexThreshold {
            rebuildIndex()
        }
        return false
    }

    private mutating func rebuildIndex() {
        guard members.count >= Self.indexThreshold else {
            index = nil
            return
        }
        var newIndex = [UTF8Key: Int](minimumCapacity: members.count)
        for (position, member) in members.enumerated() {
            newIndex[UTF8Key(string: member.key)] = position
        }
        index = newIndex
    }

    /// The position in ``members`` of the member named `key`, if any.
    ///
    /// - Parameter key: A member name, compared by UTF-8 bytes.
    public func position(of key: String) -> Int? {
        if let index { return index[UTF8Key(string: key)] }
        for position in members.indices where utf8Equal(members[position].key, key) {
            return position
        }
        return nil
    }

    /// The value of the member named `key`, or `nil` if there is none.
    ///
    /// Setting a value replaces an existing member in place (keeping its position) or appends a
    /// new member; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            position(of: key).map { members[$0].value }
        }
        set {
            if let newValue {
                if let position = position(of: key) {
                    members[position].value = newValue
                } else {
                    _ = appendIfAbsent(key: key, value: newValue)
                }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Removes the member named `key`, returning its value, or `nil` if there was none.
    ///
    /// - Parameter key: A member name, compared by UTF-8 bytes.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let removed = members.remove(at: position).value
        if index != nil { rebuildIndex() }
        return removed
    }

    /// Whether the object has a member named `key`.
    public func contains(key: String) -> Bool {
        position(of: key) != nil
    }

    /// The member names in document order.
    public var keys: [String] { members.map(\.key) }

    /// The member values in document order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// Returns an iterator over the members in document order.
    public func makeIterator() -> Iterator { members.makeIterator() }

    /// The number of members (an exact count, so `Array(object)` allocates once).
    public var underestimatedCount: Int { members.count }

    /// Compares members in document order; names by UTF-8 bytes.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (a, b) in zip(lhs.members, rhs.members) {
            guard utf8Equal(a.key, b.key), a.value == b.value else { return false }
        }
        return true
    }

    /// Hashes the members in document order, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            hashUTF8(member.key, into: &hasher)
            member.value.hash(into: &hasher)
        }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Creates an object with the members in the order written.
    ///
    /// - Precondition: The keys are distinct.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(checkedMembers: elements.map { (key: $0.0, value: $0.1) })
    }
}

extension JSONObject: CustomStringConvertible {
    /// The compact JSON text of the object (see ``JSONWriter``).
    public var description: String {
        JSONValue.object(self).description
    }
}
