import JejakBase

/// A JSON object: members with distinct names, kept in document order.
///
/// Member names are compared by their UTF-8 bytes (RFC 8259 §8.3), not with Swift's Unicode
/// canonical equivalence. Lookup by name is a linear scan for small objects; objects with
/// ``indexThreshold`` or more members also keep a hash index.
///
/// The object is a random-access collection of `(key, value)` members in document order
/// (`object[0]`, `for (key, value) in object`, `object.first`, …); ``subscript(_:)`` with a
/// `String` looks a member up by name.
///
/// `==` compares members **in order** (`{"a":1,"b":2}` != `{"b":2,"a":1}`); use
/// ``JSONValue/schemaEquals(_:)`` for order-insensitive comparison.
public struct JSONObject: Hashable, Sendable, RandomAccessCollection {
    /// A member: its name and value.
    public typealias Element = (key: String, value: JSONValue)
    /// A member's position, from 0 in document order.
    public typealias Index = Int
    /// The positions of the members.
    public typealias Indices = Range<Int>

    /// A member as stored (a struct rather than a tuple: the runtime handles arrays of it faster).
    struct Member: Sendable {
        var key: String
        var value: JSONValue
    }

    /// The number of members from which an object keeps a hash index for lookups.
    public static let indexThreshold = 16

    /// The members in document order; names are distinct.
    private(set) var storage: [Member]

    /// Member name → position; present only when `storage.count >= indexThreshold`.
    private var index: [ExactText: Int]?

    /// Creates an empty object.
    public init() {
        storage = []
        index = nil
    }

    /// Creates an object from members in the given order, or `nil` if two names are equal.
    ///
    /// - Parameter members: The members, in order.
    public init?(members: [Element]) {
        self.init()
        storage.reserveCapacity(members.count)
        for member in members {
            if appendIfAbsent(key: member.key, value: member.value) { return nil }
        }
    }

    /// Creates an object whose names are known to be distinct (checked with a precondition).
    init(checkedMembers: [Element]) {
        self.init()
        storage.reserveCapacity(checkedMembers.count)
        for member in checkedMembers {
            let duplicate = appendIfAbsent(key: member.key, value: member.value)
            precondition(!duplicate, "duplicate JSON object key \"\(member.key)\"")
        }
    }

    /// Creates an object from parser output: names already verified distinct, index prebuilt.
    init(uncheckedStorage: [Member], index: [ExactText: Int]?) {
        storage = uncheckedStorage
        self.index = index
    }

    /// The members in document order, as a new array (prefer iterating the object itself,
    /// which does not copy).
    public var members: [Element] {
        storage.map { (key: $0.key, value: $0.value) }
    }

    /// Appends a member unless the name exists; returns `true` if it was a duplicate.
    private mutating func appendIfAbsent(key: String, value: JSONValue) -> Bool {
        if position(of: key) != nil { return true }
        storage.append(Member(key: key, value: value))
        if index != nil {
            index?[ExactText(key)] = storage.count - 1
        } else if storage.count >= Self.indexThreshold {
            rebuildIndex()
        }
        return false
    }

    private mutating func rebuildIndex() {
        guard storage.count >= Self.indexThreshold else {
            index = nil
            return
        }
        var newIndex = [ExactText: Int](minimumCapacity: storage.count)
        for (position, member) in storage.enumerated() {
            newIndex[ExactText(member.key)] = position
        }
        index = newIndex
    }

    /// The position of the member named `key`, if any.
    ///
    /// - Parameter key: A member name, compared by UTF-8 bytes.
    public func position(of key: String) -> Int? {
        if let index { return index[ExactText(key)] }
        for position in storage.indices where storage[position].key.sameBytes(as: key) {
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
            position(of: key).map { storage[$0].value }
        }
        set {
            if let newValue {
                if let position = position(of: key) {
                    storage[position].value = newValue
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
        let removed = storage.remove(at: position).value
        if index != nil { rebuildIndex() }
        return removed
    }

    /// Whether the object has a member named `key`.
    ///
    /// - Parameter key: A member name, compared by UTF-8 bytes.
    public func contains(key: String) -> Bool {
        position(of: key) != nil
    }

    /// The member names in document order.
    public var keys: [String] { storage.map(\.key) }

    /// The member values in document order.
    public var values: [JSONValue] { storage.map(\.value) }

    /// The number of members.
    public var count: Int { storage.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { storage.isEmpty }

    /// The position of the first member (0).
    public var startIndex: Int { 0 }

    /// One past the position of the last member (``count``).
    public var endIndex: Int { storage.count }

    /// The member at `position` (0-based, document order).
    ///
    /// - Precondition: `position` is in `0..<count`.
    public subscript(position: Int) -> Element {
        let member = storage[position]
        return (key: member.key, value: member.value)
    }

    /// Compares members in document order; names by UTF-8 bytes.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        for (a, b) in zip(lhs.storage, rhs.storage) {
            guard a.key.sameBytes(as: b.key), a.value == b.value else { return false }
        }
        return true
    }

    /// Hashes the members in document order, consistently with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.count)
        for member in storage {
            hasher.combineBytes(of: member.key)
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
