/// Text that is equal to other text only when their UTF-8 bytes are equal.
///
/// Swift's `String` compares and hashes canonically equivalent text as equal: a precomposed
/// `"café"` (U+00E9) and a decomposed one (`e` + U+0301) are `==`, and so are `"K"` and the
/// Kelvin sign U+212A. LMDB keys, SQLite, the Python verifier and every other tool that reads a
/// Jejak log compare bytes. Jejak's rule is therefore: **identifiers are compared as bytes,
/// everywhere** — event ids, subjects (streams), unit ids, key names and key hints, log origins,
/// finding ids, event types and JSON member names are the same only when their bytes are. Two
/// spellings of `exchange/café` are two streams, in the writer, the rules, the indexes, the read
/// models, the inspector and the verifiers alike.
///
/// Key a dictionary or a set by `ExactText`, and compare two strings with
/// ``Swift/String/sameBytes(as:)``, never with `==`:
///
/// ```swift
/// var versions: [ExactText: UInt64] = [:]
/// versions[ExactText("exchange/caf\u{E9}")] = 1
/// versions[ExactText("exchange/cafe\u{301}")]   // nil: another stream
/// "exchange/caf\u{E9}".sameBytes(as: "exchange/cafe\u{301}")   // false
/// ```
public struct ExactText: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text.
    public let string: String

    /// Wraps `string`.
    public init(_ string: String) {
        self.string = string
    }

    /// Wraps a literal.
    public init(stringLiteral value: String) {
        self.string = value
    }

    /// Whether the two texts have the same UTF-8 bytes.
    @inlinable
    public static func == (lhs: ExactText, rhs: ExactText) -> Bool {
        utf8Equal(lhs.string, rhs.string)
    }

    /// Orders by UTF-8 bytes, as LMDB and SQLite's `BINARY` collation do (which is also the
    /// order of Unicode code points).
    public static func < (lhs: ExactText, rhs: ExactText) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }

    /// Hashes the UTF-8 bytes.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hashUTF8(string, into: &hasher)
    }

    /// The text itself.
    public var description: String { string }
}

extension Hasher {
    /// Feeds the UTF-8 bytes of `text` (as ``ExactText`` hashes it).
    @inlinable @inline(__always)
    public mutating func combineBytes(of text: String) {
        hashUTF8(text, into: &self)
    }
}

extension String {
    /// Whether this string and `other` have the same UTF-8 bytes: the comparison of identifiers
    /// (see ``ExactText``). Unlike `==`, canonically equivalent but different spellings differ.
    @inlinable @inline(__always)
    public func sameBytes(as other: String) -> Bool {
        utf8Equal(self, other)
    }

    /// Whether this string's UTF-8 bytes begin with those of `prefix`. Unlike `hasPrefix(_:)`,
    /// which compares characters (so `"a/"` is no prefix of `"a/"` + U+0301), this is the
    /// prefix test of byte-keyed stores.
    @inlinable @inline(__always)
    public func hasBytePrefix(_ prefix: String) -> Bool {
        utf8.starts(with: prefix.utf8)
    }
}

// MARK: - Byte-wise string comparison

/// Whether two strings have identical UTF-8 bytes (no Unicode normalization).
@inlinable @inline(__always)
func utf8Equal(_ a: String, _ b: String) -> Bool {
    let au = a.utf8
    let bu = b.utf8
    // Counts, then bytes: never `==`, which normalizes strings that aren't known NFC.
    guard au.count == bu.count else { return false }
    let fast = au.withContiguousStorageIfAvailable { pa in
        bu.withContiguousStorageIfAvailable { pb in
            pa.elementsEqual(pb)
        }
    }
    if let fast, let result = fast { return result }
    return au.elementsEqual(bu)
}

/// Hashes a string's UTF-8 bytes (consistent with ``utf8Equal(_:_:)``).
@inlinable @inline(__always)
func hashUTF8(_ s: String, into hasher: inout Hasher) {
    let u = s.utf8
    hasher.combine(u.count)
    let done: Void? = u.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    if done == nil {
        for byte in u { hasher.combine(byte) }
    }
}
