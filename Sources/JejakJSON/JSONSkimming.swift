/// Reading a JSON object's members without building the values nobody asked for.
///
/// A ledger decodes every event it reads, but a reader that needs three members of an event's
/// `data` should not pay for a tree of all of them. Skimming checks the input exactly as
/// ``JSONParser/parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)`` does — the same documents
/// are accepted and the same ``JSONError`` is thrown for the others — but only tells where each
/// member's value lies; the caller parses the values it wants from those bytes.
extension JSONParser {
    /// A member of a skimmed object: its name and where its value lies in the document.
    package struct SkimmedMember: Sendable {
        /// The member's name.
        package var name: String
        /// The bytes of the member's value in the document (offsets from its start).
        package var value: Range<Int>
    }

    /// Checks that `buffer` holds one JSON document, exactly as
    /// ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)`` would, without building it.
    ///
    /// - Throws: the ``JSONError`` that `parse` would throw.
    public static func validate(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) {
        _ = try skim(buffer, maximumDepth: maximumDepth, asObject: false, members: { _ in })
    }

    /// The members of the object that `buffer` holds, in document order, with where each value
    /// lies; the values are checked (strictly, as by `parse`) but not built.
    ///
    /// ```swift
    /// let members = try JSONParser.skimObject(buffer)
    /// if let title = members.first(where: { $0.name == "title" }) {
    ///     let value = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: buffer[title.value]))
    /// }
    /// ```
    ///
    /// - Throws: the ``JSONError`` that `parse` would throw for the document, or
    ///   ``JSONError/Code/notAnObject`` if it is valid JSON but not an object.
    package static func skimObject(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) -> [SkimmedMember] {
        var members: [SkimmedMember] = []
        _ = try skim(buffer, maximumDepth: maximumDepth, asObject: true, members: { members.append($0) })
        return members
    }

    /// The members of the object that `buffer` holds, as ``skimObject(_:maximumDepth:)`` gives
    /// them, and the members of the value of its member `name` when that value is an object
    /// (`nil` otherwise): both levels in one pass. Offsets are from the start of `buffer`.
    ///
    /// - Throws: as ``skimObject(_:maximumDepth:)``.
    package static func skimObject(
        _ buffer: UnsafeRawBufferPointer, expanding name: String, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONError) -> (members: [SkimmedMember], expanded: [SkimmedMember]?) {
        var members: [SkimmedMember] = []
        let expanded = try skim(
            buffer, maximumDepth: maximumDepth, asObject: true, expanding: name, members: { members.append($0) })
        return (members, expanded)
    }

    /// Skims the object that `buffer` holds as ``skimObject(_:expanding:maximumDepth:)`` does, but
    /// hands each of its members to `body` as it is met, in document order, instead of
    /// collecting them; returns the members of the value of its member `name` when that value is
    /// an object. A reader that keeps none of the top-level members allocates nothing for them.
    ///
    /// `body` may see members of a document that turns out to be invalid further on: the call
    /// then throws as ``skimObject(_:maximumDepth:)`` would (the document's own error first; an
    /// error thrown by `body` only when the document is valid).
    ///
    /// ```swift
    /// var type: String?
    /// let data = try JSONParser.skimObject(buffer, expanding: "data") { member in
    ///     if member.name == "type" {
    ///         type = try JSONParser.parseString(UnsafeRawBufferPointer(rebasing: buffer[member.value]))
    ///     }
    /// }
    /// ```
    ///
    /// - Throws: as ``skimObject(_:maximumDepth:)``, or what `body` throws.
    package static func skimObject(
        _ buffer: UnsafeRawBufferPointer, expanding name: String, maximumDepth: Int = defaultMaximumDepth,
        forEachMember body: (SkimmedMember) throws(JSONError) -> Void
    ) throws(JSONError) -> [SkimmedMember]? {
        try skim(buffer, maximumDepth: maximumDepth, asObject: true, expanding: name, members: body)
    }

    /// The string that `buffer` holds (one JSON string, with whitespace around it at most), or
    /// `nil` if it holds another JSON value.
    ///
    /// - Parameters:
    ///   - buffer: The document.
    ///   - maximumDepth: The deepest nesting of arrays and objects accepted.
    ///   - interning: Whether to share the string through ``StringInterner/shared`` (for
    ///     values that recur across documents, such as an event's type).
    /// - Throws: the ``JSONError`` that ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)``
    ///   would throw.
    package static func parseString(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth, interning: Bool = false
    ) throws(JSONError) -> String? {
        try withString(buffer, maximumDepth: maximumDepth) { utf8, inDocument in
            let bytes = utf8.assumingMemoryBound(to: UInt8.self)
            return (interning && inDocument ? StringInterner.shared.string(utf8: bytes) : nil)
                ?? String(unsafeUninitializedCapacity: bytes.count) { _ = $0.initialize(fromContentsOf: bytes); return bytes.count }
        }
    }

    /// Calls `body` with the UTF-8 bytes of the string that `buffer` holds (one JSON string,
    /// with whitespace around it at most) and returns its result, or returns `nil` if `buffer`
    /// holds another JSON value. The bytes are valid UTF-8; they are the document's own
    /// (`inDocument` is `true`) when the string has no escapes, otherwise a decoded copy that
    /// lives only during the call.
    ///
    /// ```swift
    /// let length = try JSONParser.withString(buffer) { utf8, _ in utf8.count }
    /// ```
    ///
    /// - Throws: the ``JSONError`` that ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)``
    ///   would throw.
    package static func withString<R>(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth,
        _ body: (_ utf8: UnsafeRawBufferPointer, _ inDocument: Bool) -> R
    ) throws(JSONError) -> R? {
        // The string's quotes, inside any whitespace.
        var first = 0, last = buffer.count - 1
        while first < buffer.count, RawParser.isWhitespace(buffer[first]) { first += 1 }
        while last > first, RawParser.isWhitespace(buffer[last]) { last -= 1 }
        guard let base = buffer.baseAddress, last > first,
              buffer[first] == UInt8(ascii: "\""), buffer[last] == UInt8(ascii: "\"") else {
            guard case .string(var text) = try parse(buffer, maximumDepth: maximumDepth) else { return nil }
            return text.withUTF8 { body(UnsafeRawBufferPointer($0), false) }
        }
        let start = base.assumingMemoryBound(to: UInt8.self) + first
        var parser = RawParser(p: start, count: last - first + 1, maximumDepth: 1)
        let end: Int?
        do { end = try parser.scanString() } catch {
            _ = try parse(buffer, maximumDepth: maximumDepth)  // the error, at its offset in `buffer`
            throw error
        }
        // A quote at both ends can still hold more than one string (`"a" "b"`).
        guard parser.i == parser.count else { _ = try parse(buffer, maximumDepth: maximumDepth); return nil }
        if let end {
            return body(UnsafeRawBufferPointer(start: start + 1, count: end - 1), true)
        }
        return parser.scratch.withUnsafeBytes { body($0, false) }
    }

    /// Checks the document in `buffer`; `asObject`, skims it as an object, handing each member
    /// to `members` and returning the members of the value of its member `name`, if given and
    /// an object.
    private static func skim(
        _ buffer: UnsafeRawBufferPointer, maximumDepth: Int, asObject: Bool, expanding name: String? = nil,
        members: (SkimmedMember) throws(JSONError) -> Void
    ) throws(JSONError) -> [SkimmedMember]? {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            throw JSONError(code: .unexpectedEnd, offset: 0, message: "empty input")
        }
        var skimmer = RawParser(
            p: base.assumingMemoryBound(to: UInt8.self), count: buffer.count, maximumDepth: maximumDepth)
        var expanded: [SkimmedMember]?
        do throws(JSONError) {
            skimmer.skipWhitespace()
            if asObject {
                try skimmer.skimTopObject(expanding: name, into: &expanded, members: members)
            } else {
                try skimmer.skipValue()
            }
            skimmer.skipWhitespace()
            if skimmer.i < skimmer.count {
                throw JSONError(
                    code: .trailingData, offset: skimmer.i, message: "unexpected data after the JSON value")
            }
        } catch {
            // The full parser has the last word on a refusal, so that a skimmed document and a
            // parsed one fail with the same error.
            _ = try parse(buffer, maximumDepth: maximumDepth)
            throw error
        }
        if skimmer.undecided {
            // A member name with an escape, or an object too large for pairwise comparison:
            // only the full parser can tell whether two names are equal.
            _ = try parse(buffer, maximumDepth: maximumDepth)
        }
        return expanded
    }
}

extension JSONWriter {
    /// The compact form (``string(_:)``) of the JSON document in `buffer`: the input's own bytes
    /// when they already are that form (no whitespace outside strings, no escapes), otherwise the
    /// value parsed and written again.
    ///
    /// - Throws: ``JSONError`` if `buffer` is not a JSON document.
    package static func compactString(of buffer: UnsafeRawBufferPointer) throws(JSONError) -> String {
        try withCompactForm(of: buffer) { String(decoding: $0.assumingMemoryBound(to: UInt8.self), as: UTF8.self) }
    }

    /// Calls `body` with the UTF-8 bytes of the compact form (``string(_:)``) of the JSON document
    /// in `buffer`, and returns its result: `buffer` itself when it already is that form (no
    /// whitespace outside strings, no escapes), otherwise the value parsed and written again, in
    /// a copy that lives only during the call.
    ///
    /// ```swift
    /// let compact = try JSONWriter.withCompactForm(of: buffer) { Array($0) }
    /// ```
    ///
    /// - Throws: ``JSONError`` if `buffer` is not a JSON document.
    package static func withCompactForm<R>(
        of buffer: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(JSONError) -> R {
        try withCompactForm(of: buffer, checked: false, body)
    }

    /// ``withCompactForm(of:_:)`` for a value that a strict pass of this package (such as
    /// ``JSONParser/skimObject(_:expanding:maximumDepth:forEachMember:)``, whose member bounds
    /// these are) has already accepted: compact input is not checked a second time.
    ///
    /// - Throws: ``JSONError`` if `buffer` needs rewriting and is not a JSON document.
    package static func withCompactForm<R>(
        ofChecked buffer: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(JSONError) -> R {
        try withCompactForm(of: buffer, checked: true, body)
    }

    private static func withCompactForm<R>(
        of buffer: UnsafeRawBufferPointer, checked: Bool, _ body: (UnsafeRawBufferPointer) -> R
    ) throws(JSONError) -> R {
        func rewritten() throws(JSONError) -> R {
            var text = string(try JSONParser.parse(buffer))
            return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return try rewritten() }
        var inString = false
        for k in 0..<buffer.count {
            let c = base[k]
            if c == UInt8(ascii: "\\") { return try rewritten() }
            if c == UInt8(ascii: "\"") {
                inString.toggle()
            } else if !inString && RawParser.isWhitespace(c) {
                return try rewritten()
            }
        }
        if !checked { try JSONParser.validate(buffer) }
        return body(buffer)
    }
}

/// A skimmed member name: where its bytes start, and their print (which holds their length).
struct SkimmedKey {
    var start: Int
    var print: KeyPrint
}

extension RawParser {
    /// The most members of one object whose names the skimmer compares pairwise; from this
    /// many on it leaves the check to the full parser (see ``undecided``).
    static let skimmedMembersLimit = JSONObject.indexThreshold

    /// Skips the value at the cursor, checking it exactly as ``parseValue()`` does; a duplicate
    /// member name it cannot decide sets ``undecided``.
    mutating func skipValue() throws(JSONError) {
        skipWhitespace()
        guard i < count else { throw unexpected("a value") }
        switch p[i] {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "{"):
            try skipObject()
        case UInt8(ascii: "["):
            try skipArray()
        case UInt8(ascii: "t"):
            try parseLiteral("true")
        case UInt8(ascii: "f"):
            try parseLiteral("false")
        case UInt8(ascii: "n"):
            try parseLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try skipNumber()
        default:
            throw unexpected("a value")
        }
    }

    mutating func skipArray() throws(JSONError) {
        if try enter(closing: UInt8(ascii: "]")) { return }
        while true {
            try skipValue()
            if try !next(closing: UInt8(ascii: "]")) { break }
        }
        depth -= 1
    }

    mutating func skipObject() throws(JSONError) {
        var unused: [JSONParser.SkimmedMember]? = nil
        try skimObject(expanding: nil, into: &unused, naming: false, members: { _ in })
    }

    /// Skims the object at the cursor (the document's top level), handing its members to
    /// `members`, and the object that is the value of its member `name` into `expanded`.
    mutating func skimTopObject(
        expanding name: String?, into expanded: inout [JSONParser.SkimmedMember]?,
        members: (JSONParser.SkimmedMember) throws(JSONError) -> Void
    ) throws(JSONError) {
        guard i < count, p[i] == UInt8(ascii: "{") else {
            // Not an object: an invalid value is reported as such, a valid one as the wrong kind.
            let start = i
            try skipValue()
            throw fail(.notAnObject, start, "expected an object")
        }
        try skimObject(expanding: name, into: &expanded, naming: true, members: members)
    }

    /// Skims the object at the cursor, checking names for duplicates as ``parseObject()`` does;
    /// if `naming`, hands each member's name and the bounds of its value to `members`. The value
    /// of the member `expandedName`, when an object, is skimmed into `expanded`.
    mutating func skimObject(
        expanding expandedName: String?, into expanded: inout [JSONParser.SkimmedMember]?,
        naming: Bool, members: (JSONParser.SkimmedMember) throws(JSONError) -> Void
    ) throws(JSONError) {
        if try enter(closing: UInt8(ascii: "}")) { return }
        // The names of this object so far, in this call's frame (no allocation per document).
        var keys = InlineArray<16, SkimmedKey>(repeating: SkimmedKey(start: 0, print: KeyPrint(length: 0, word0: 0, word1: 0)))
        var keyCount = 0
        while true {
            skipWhitespace()
            guard i < count, p[i] == UInt8(ascii: "\"") else { throw unexpected("a string (member name)") }
            let keyOffset = i
            let start = i + 1
            var name: String?
            if let end = try scanString() {
                let key = SkimmedKey(start: start, print: KeyPrint(p + start, length: end - start, available: count - start))
                if !undecided {
                    if keyCount >= min(Self.skimmedMembersLimit, keys.count) {
                        undecided = true
                    } else {
                        for k in 0..<keyCount where keys[k].print == key.print {
                            if key.print.isExact || bytesEqual(keys[k].start, key.start, count: end - start) {
                                throw duplicate(makeString(start, end), keyOffset)
                            }
                        }
                        keys[keyCount] = key
                        keyCount += 1
                    }
                }
                if naming { name = makeString(start, end) }
            } else {
                undecided = true  // an escaped name: only the full parser compares it with the others
                if naming { name = String(decoding: scratch, as: UTF8.self) }
            }
            skipWhitespace()
            guard i < count, p[i] == UInt8(ascii: ":") else { throw unexpected("':'") }
            i += 1
            skipWhitespace()
            let valueStart = i
            if let expand = name, let wanted = expandedName, i < count, p[i] == UInt8(ascii: "{"), expand == wanted {
                var nested: [JSONParser.SkimmedMember] = []
                nested.reserveCapacity(Self.skimmedMembersLimit)
                var none: [JSONParser.SkimmedMember]? = nil
                try skimObject(expanding: nil, into: &none, naming: true, members: { nested.append($0) })
                expanded = nested
            } else {
                try skipValue()
            }
            if let name { try members(JSONParser.SkimmedMember(name: name, value: valueStart..<i)) }
            if try !next(closing: UInt8(ascii: "}")) { break }
        }
        depth -= 1
    }

    /// Whether the `count` input bytes at `a` and at `b` are equal.
    func bytesEqual(_ a: Int, _ b: Int, count: Int) -> Bool {
        for k in 0..<count where p[a + k] != p[b + k] { return false }
        return true
    }
}
